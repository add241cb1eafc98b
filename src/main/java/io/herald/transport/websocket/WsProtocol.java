package io.herald.transport.websocket;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.Draft;
import io.herald.bus.EventBus;
import io.herald.bus.EventNames;
import io.herald.bus.PublishFailure;
import io.herald.channel.ChannelName;
import io.herald.channel.Channels;
import io.herald.channel.NamespacePolicies;
import io.herald.security.ChannelAccess;
import io.herald.transport.ConnectionRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.nio.charset.StandardCharsets;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * The {@code herald.v1} client messages (docs/protocol.md): subscribe, unsubscribe, publish,
 * typing, ping. Every message may carry an {@code id}; the reply to it is {@code ok} or
 * {@code error} with {@code ref} set to that id. A bad message gets an error and the connection
 * stays open.
 */
@ApplicationScoped
public class WsProtocol {
  @Inject Channels channels;
  @Inject NamespacePolicies policies;
  @Inject ChannelAccess access;
  @Inject ConnectionRegistry registry;
  @Inject EventBus bus;
  @Inject TypingTracker typing;
  @Inject WsSettings settings;
  @Inject MetricRegistry metrics;
  @Inject io.herald.security.TokenVerifier verifier;
  @Inject WsSessions sessions;
  @Inject io.herald.security.limits.Limits limits;
  @Inject io.herald.bus.BusSettings busSettings;
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
      // The rate applies to every message, well-formed or not, before any work is done on it.
      if (!withinRate(connection)) {
        return;
      }
      JsonObject message = WsMessages.parse(text);
      ref = WsMessages.ref(message.get("id"));
      String type = message.get("type") instanceof JsonString s ? s.getString() : null;
      if (type == null) {
        throw WsMessages.invalid("\"type\" (a string) is required.");
      }
      switch (type) {
        case "subscribe" -> subscriptions.subscribe(connection, message, ref);
        case "unsubscribe" -> subscriptions.unsubscribe(connection, message, ref);
        case "publish" -> publish(connection, message, ref);
        case "typing" -> typing(connection, message, ref);
        case "ping" -> connection.send(WsMessages.frame("pong", ref).build().toString());
        case "refresh" -> refresh(connection, message, ref);
        default -> throw WsMessages.invalid("Unknown message type '" + type + "'.");
      }
    } catch (HeraldException e) {
      error(connection, ref, e);
    }
  }

  /** A binary frame: not part of herald.v1. Counted against the rate like any message. */
  void binary(WsConnection connection) {
    connection.touch();
    if (withinRate(connection)) {
      error(connection, null, WsMessages.invalid("herald.v1 messages are JSON text frames; binary frames are not accepted."));
    }
  }

  /**
   * Whether one more message fits the connection's rate. If not, it is answered
   * {@code RATE_LIMIT_EXCEEDED} (no {@code ref}: it was not read), or, when the client keeps
   * flooding, the connection is closed with 4029.
   */
  private boolean withinRate(WsConnection connection) {
    if (connection.admitMessage()) {
      return true;
    }
    metrics.counter("herald.limits.refused", new Tag("limit", "messages")).inc();
    if (connection.flooding()) {
      connection.close(CloseCodes.RATE_LIMITED, "rate limit exceeded, persistently", "rate_limited");
    } else {
      error(connection, null, new HeraldException(ErrorCode.RATE_LIMIT_EXCEEDED, "Over the message rate limit; this message was dropped."));
    }
    return false;
  }

  private void publish(WsConnection connection, JsonObject message, String ref) {
    ChannelName channel = WsMessages.channel(message, channels);
    access.checkClientPublish(connection.caller(), channel, WsMessages.token(message));
    String event = EventNames.validate(message.get("event"));
    boolean echo = !JsonValue.FALSE.equals(message.get("echo"));
    Draft draft =
        new Draft(
            channel.value(),
            event,
            message.getOrDefault("data", JsonValue.NULL),
            connection.userId(),
            connection.caller().tenant(),
            echo ? null : connection.id(),
            WsMessages.idempotencyKey(message, busSettings.idempotencyMaxKeyLength()));
    bus.publish(draft)
        .whenComplete(
            (published, failure) -> {
              if (failure != null) {
                PublishFailure why = PublishFailure.of(failure);
                error(connection, ref, new HeraldException(ErrorCode.UNAVAILABLE, why.getMessage()), why.correlationId());
              } else if (ref != null) {
                JsonObjectBuilder ok =
                    WsMessages.frame("ok", ref).add("channel", channel.value()).add("eventId", published.envelope().id().toString());
                if (published.repeated()) {
                  ok.add("repeated", true);
                }
                connection.send(ok.build().toString());
              }
            });
  }

  /** A fresh token for the same user and tenant extends the connection; nothing is interrupted. */
  private void refresh(WsConnection connection, JsonObject message, String ref) {
    if (!(message.get("token") instanceof JsonString token)) {
      throw WsMessages.invalid("\"token\" (a string) is required.");
    }
    io.herald.security.Caller renewed = verifier.verify(token.getString());
    io.herald.security.Caller current = connection.caller();
    if (!renewed.subject().equals(current.subject()) || !renewed.tenant().equals(current.tenant())) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "A refresh token must be for the same user and tenant.");
    }
    sessions.renew(connection, renewed);
    if (ref != null) {
      connection.send(WsMessages.frame("ok", ref).add("expiresAt", renewed.expiresAt().toString()).build().toString());
    }
    subscriptions.recheck(connection, renewed);
  }

  private void typing(WsConnection connection, JsonObject message, String ref) {
    ChannelName channel = WsMessages.channel(message, channels);
    if (!policies.of(channel).typing()) {
      throw new HeraldException(
          ErrorCode.PERMISSION_DENIED, "Typing is not enabled in '" + channel.namespace() + "'.");
    }
    if (!connection.channels().contains(channel.value())) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "Subscribe to " + channel + " before typing in it.");
    }
    String state = message.get("state") instanceof JsonString s ? s.getString() : "";
    switch (state) {
      case TypingTracker.START -> typing.start(connection, channel.value());
      case TypingTracker.STOP -> typing.stop(connection, channel.value());
      default -> throw WsMessages.invalid("\"state\" must be \"start\" or \"stop\".");
    }
    WsMessages.ok(connection, ref, channel);
  }

  private void error(WsConnection connection, String ref, HeraldException e) {
    error(connection, ref, e, null);
  }

  private void error(WsConnection connection, String ref, HeraldException e, String correlationId) {
    metrics.counter("herald.ws.errors", new Tag("code", e.code().name())).inc();
    JsonObjectBuilder frame = WsMessages.frame("error", ref).add("code", e.code().name()).add("message", e.getMessage());
    if (correlationId != null) {
      frame.add("correlationId", correlationId);
    }
    connection.send(frame.build().toString());
  }
}
