package io.herald.transport.websocket;

import io.herald.observability.Audit;
import io.herald.transport.ConnectionRegistry;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.PublishFailure;
import io.herald.security.Caller;
import io.herald.security.TokenVerifier;
import io.herald.transport.ClientMessages;
import io.herald.transport.Messages;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * The {@code herald.v1} client messages (docs/protocol.md): subscribe, unsubscribe, ping and
 * refresh here; publish, typing and presence through {@link ClientMessages}, which SSE and
 * long-poll clients reach over HTTP. Every message may carry an {@code id}; the reply to it is
 * {@code ok} or {@code error} with {@code ref} set to that id. A bad message gets an error and the
 * connection stays open.
 */
@ApplicationScoped
public class WsProtocol {
  @Inject ClientMessages messages;
  @Inject WsSettings settings;
  @Inject MetricRegistry metrics;
  @Inject ConnectionRegistry registry;
  @Inject Audit audit;
  @Inject TokenVerifier verifier;
  @Inject WsSessions sessions;
  @Inject WsSubscriptions subscriptions;

  void handle(WsConnection connection, String text) {
    connection.touch();
    String ref = null;
    try {
      if (text.length() > settings.maxMessageBytes() / 4
          && text.getBytes(StandardCharsets.UTF_8).length > settings.maxMessageBytes()) {
        // The container enforces the limit too; this covers containers that only buffer to it.
        connection.close(CloseCodes.TOO_BIG, "message over " + settings.maxMessageBytes() + " bytes", "too_big");
        return;
      }
      JsonObject message;
      try {
        message = Messages.parse(text);
      } catch (HeraldException malformed) {
        // a malformed message counts against the message rate like any other
        if (withinRate(connection, false)) {
          error(connection, null, malformed);
        }
        return;
      }
      // The rate applies before the message is acted on; presence updates have their own.
      boolean presenceUpdate = message.get("type") instanceof JsonString t && ClientMessages.isPresenceUpdate(t.getString());
      if (!withinRate(connection, presenceUpdate)) {
        return;
      }
      ref = Messages.ref(message.get("id"));
      String type = Messages.type(message);
      messages.activity(connection, type);
      switch (type) {
        case "subscribe" -> subscriptions.subscribe(connection, message, ref);
        case "unsubscribe" -> subscriptions.unsubscribe(connection, message, ref);
        case "ping" -> connection.send(Messages.frame("pong", ref).build().toString());
        case "refresh" -> refresh(connection, message, ref);
        default -> {
          if (!ClientMessages.TYPES.contains(type)) {
            throw Messages.invalid("Unknown message type '" + type + "'.");
          }
          reply(connection, ref, type, message);
        }
      }
    } catch (HeraldException e) {
      error(connection, ref, e);
    }
  }

  private void reply(WsConnection connection, String ref, String type, JsonObject message) {
    String id = ref;
    messages
        .handle(connection, type, message)
        .whenComplete(
            (fields, failure) -> {
              Throwable cause = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
              if (cause instanceof HeraldException e) {
                error(connection, id, e);
              } else if (cause != null) {
                PublishFailure why = PublishFailure.of(cause);
                error(connection, id, ClientMessages.unavailable(why), why.correlationId());
              } else if (id != null) {
                JsonObjectBuilder ok = Messages.frame("ok", id).addAll(fields);
                connection.send(ok.build().toString());
              }
            });
  }

  /** A binary frame: not part of herald.v1. Counted against the rate like any message. */
  void binary(WsConnection connection) {
    connection.touch();
    if (withinRate(connection, false)) {
      error(connection, null, Messages.invalid("herald.v1 messages are JSON text frames; binary frames are not accepted."));
    }
  }

  /**
   * Whether one more message fits the connection's rate. If not, it is answered
   * {@code RATE_LIMIT_EXCEEDED} (no {@code ref}: it was not acted on), or, when the client keeps
   * flooding, the connection is closed with 4029.
   */
  private boolean withinRate(WsConnection connection, boolean presenceUpdate) {
    if (connection.rates().admit(presenceUpdate)) {
      return true;
    }
    metrics.counter("herald.limits.refused", new Tag("limit", presenceUpdate ? "presence_updates" : "messages")).inc();
    if (connection.rates().flooding()) {
      connection.close(CloseCodes.RATE_LIMITED, "rate limit exceeded, persistently", "rate_limited");
    } else {
      error(connection, null, new HeraldException(ErrorCode.RATE_LIMIT_EXCEEDED, "Over the message rate limit; this message was dropped."));
    }
    return false;
  }

  /** A fresh token for the same user and tenant extends the connection; nothing is interrupted. */
  private void refresh(WsConnection connection, JsonObject message, String ref) {
    if (!(message.get("token") instanceof JsonString token)) {
      throw Messages.invalid("\"token\" (a string) is required.");
    }
    Caller renewed;
    try {
      renewed = verifier.verify(token.getString());
    } catch (HeraldException e) {
      metrics.counter("herald.auth.failures", new Tag("entry", "websocket_refresh"), new Tag("reason", e.code().name().toLowerCase(java.util.Locale.ROOT))).inc();
      throw e;
    }
    Caller current = connection.caller();
    if (!renewed.subject().equals(current.subject()) || !renewed.tenant().equals(current.tenant())) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "A refresh token must be for the same user and tenant.");
    }
    sessions.renew(connection, renewed);
    ConnectionRegistry.Opened from = registry.opened(connection.id());
    audit.refreshed(connection, from == null ? null : from.client(), renewed.expiresAt());
    if (ref != null) {
      connection.send(Messages.frame("ok", ref).add("expiresAt", renewed.expiresAt().toString()).build().toString());
    }
    subscriptions.recheck(connection, renewed);
  }

  private void error(WsConnection connection, String ref, HeraldException e) {
    error(connection, ref, e, null);
  }

  private void error(WsConnection connection, String ref, HeraldException e, String correlationId) {
    metrics.counter("herald.ws.errors", new Tag("code", e.code().name())).inc();
    JsonObjectBuilder frame = Messages.frame("error", ref).add("code", e.code().name()).add("message", e.getMessage());
    if (correlationId != null) {
      frame.add("correlationId", correlationId);
    }
    connection.send(frame.build().toString());
  }
}
