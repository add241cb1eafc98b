package io.herald.transport.websocket;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.Draft;
import io.herald.bus.EventBus;
import io.herald.bus.EventId;
import io.herald.bus.EventNames;
import io.herald.bus.PublishFailure;
import io.herald.history.Positions;
import io.herald.history.Replay;
import io.herald.channel.ChannelName;
import io.herald.channel.Channels;
import io.herald.channel.NamespacePolicies;
import io.herald.security.ChannelAccess;
import io.herald.transport.ConnectionRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
      if (!connection.admitMessage()) {
        metrics.counter("herald.limits.refused", new Tag("limit", "messages")).inc();
        if (connection.flooding()) {
          connection.close(CloseCodes.RATE_LIMITED, "rate limit exceeded, persistently", "rate_limited");
          return;
        }
        throw new HeraldException(ErrorCode.RATE_LIMIT_EXCEEDED, "Over the message rate limit; this message was dropped.");
      }
      JsonObject message = parse(text);
      ref = ref(message.get("id"));
      String type = message.get("type") instanceof JsonString s ? s.getString() : null;
      if (type == null) {
        throw invalid("\"type\" (a string) is required.");
      }
      switch (type) {
        case "subscribe" -> subscribe(connection, message, ref);
        case "unsubscribe" -> unsubscribe(connection, message, ref);
        case "publish" -> publish(connection, message, ref);
        case "typing" -> typing(connection, message, ref);
        case "ping" -> connection.send(frame("pong", ref).build().toString());
        case "refresh" -> refresh(connection, message, ref);
        default -> throw invalid("Unknown message type '" + type + "'.");
      }
    } catch (HeraldException e) {
      error(connection, ref, e);
    }
  }

  private void subscribe(WsConnection connection, JsonObject message, String ref) {
    ChannelName channel = channel(message);
    JsonValue sinceValue = message.get("since");
    if (sinceValue != null && sinceValue != JsonValue.NULL && !(sinceValue instanceof JsonString)) {
      throw new HeraldException(ErrorCode.INVALID_POSITION, "\"since\" must be an event id (a string).");
    }
    EventId since = Positions.parse(sinceValue instanceof JsonString s ? s.getString() : null);
    access.checkSubscribe(connection.caller(), channel, token(message));
    if (connection.channels().contains(channel.value())) {
      ok(connection, ref, channel); // live already: it has missed nothing
      return;
    }
    if (connection.channels().size() >= limits.maxSubscriptions()) {
      throw new HeraldException(
          ErrorCode.TOO_MANY_SUBSCRIPTIONS, "At most " + limits.maxSubscriptions() + " subscriptions per connection.");
    }
    connection.channels().add(channel.value());
    Replay replay =
        registry.subscribe(
            connection, List.of(channel.value()), since, owed -> connection.sendFirst(preamble(ref, channel, since, owed)));
    if (since != null) {
      metrics
          .counter("herald.recoveries", new Tag("transport", "websocket"), new Tag("recovered", String.valueOf(replay.recovered())))
          .inc();
    }
  }

  /**
   * The reply, then what the subscription is owed: the gap notice, the latest value, the missed
   * events. The reply names the channel's position only when no replayed event follows (those
   * carry their own ids), so a client that keeps "the last id I saw, else the reply's position"
   * always resumes from the right place.
   */
  private static List<String> preamble(String ref, ChannelName channel, EventId since, Replay replay) {
    List<String> frames = new ArrayList<>();
    if (ref != null) {
      JsonObjectBuilder ok = frame("ok", ref).add("channel", channel.value());
      if (since != null) {
        ok.add("recovered", replay.recovered());
      }
      if (replay.events().isEmpty()) {
        ok.add("position", replay.position().toString());
      }
      frames.add(ok.build().toString());
    }
    frames.addAll(replay.frames(since));
    return frames;
  }

  private void unsubscribe(WsConnection connection, JsonObject message, String ref) {
    ChannelName channel = channel(message);
    if (connection.channels().remove(channel.value())) {
      registry.unsubscribe(connection, channel.value());
      typing.stop(connection, channel.value());
    }
    ok(connection, ref, channel);
  }

  private void publish(WsConnection connection, JsonObject message, String ref) {
    ChannelName channel = channel(message);
    access.checkClientPublish(connection.caller(), channel, token(message));
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
            idempotencyKey(message));
    bus.publish(draft)
        .whenComplete(
            (published, failure) -> {
              if (failure != null) {
                PublishFailure why = PublishFailure.of(failure);
                error(connection, ref, new HeraldException(ErrorCode.UNAVAILABLE, why.getMessage()), why.correlationId());
              } else if (ref != null) {
                JsonObjectBuilder ok =
                    frame("ok", ref).add("channel", channel.value()).add("eventId", published.envelope().id().toString());
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
      throw invalid("\"token\" (a string) is required.");
    }
    io.herald.security.Caller renewed = verifier.verify(token.getString());
    io.herald.security.Caller current = connection.caller();
    if (!renewed.subject().equals(current.subject()) || !renewed.tenant().equals(current.tenant())) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "A refresh token must be for the same user and tenant.");
    }
    sessions.renew(connection, renewed);
    if (ref != null) {
      connection.send(frame("ok", ref).add("expiresAt", renewed.expiresAt().toString()).build().toString());
    }
  }

  private void typing(WsConnection connection, JsonObject message, String ref) {
    ChannelName channel = channel(message);
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
      default -> throw invalid("\"state\" must be \"start\" or \"stop\".");
    }
    ok(connection, ref, channel);
  }

  private ChannelName channel(JsonObject message) {
    if (!(message.get("channel") instanceof JsonString name)) {
      throw invalid("\"channel\" (a string) is required.");
    }
    return channels.parse(name.getString());
  }

  private String idempotencyKey(JsonObject message) {
    JsonValue key = message.get("idempotencyKey");
    if (key == null || key == JsonValue.NULL) {
      return null;
    }
    if (!(key instanceof JsonString s) || s.getString().isEmpty() || s.getString().length() > busSettings.idempotencyMaxKeyLength()) {
      throw new HeraldException(
          ErrorCode.INVALID_IDEMPOTENCY_KEY,
          "\"idempotencyKey\" must be a string of 1 to " + busSettings.idempotencyMaxKeyLength() + " characters.");
    }
    return s.getString();
  }

  /** The optional subscription token a subscribe or publish may carry. */
  private static String token(JsonObject message) {
    return message.get("token") instanceof JsonString s ? s.getString() : null;
  }

  private static JsonObject parse(String text) {
    try (JsonReader reader = JSON.createReader(new StringReader(text))) {
      JsonValue value = reader.readValue();
      if (value instanceof JsonObject object) {
        return object;
      }
      throw invalid("A message is one JSON object.");
    } catch (JsonException | IllegalStateException e) {
      throw invalid("Not well-formed JSON.");
    }
  }

  /** Clients may use strings or numbers as ids; the reply carries it back as a string. */
  private static String ref(JsonValue id) {
    if (id instanceof JsonString s) {
      return s.getString();
    }
    if (id instanceof JsonNumber n) {
      return n.toString();
    }
    return null;
  }

  private static HeraldException invalid(String message) {
    return new HeraldException(ErrorCode.INVALID_MESSAGE, message);
  }

  private static JsonObjectBuilder frame(String type, String ref) {
    JsonObjectBuilder frame = JSON.createObjectBuilder().add("type", type);
    return ref == null ? frame : frame.add("ref", ref);
  }

  private static void ok(WsConnection connection, String ref, ChannelName channel) {
    if (ref != null) {
      connection.send(frame("ok", ref).add("channel", channel.value()).build().toString());
    }
  }

  private void error(WsConnection connection, String ref, HeraldException e) {
    error(connection, ref, e, null);
  }

  private void error(WsConnection connection, String ref, HeraldException e, String correlationId) {
    metrics.counter("herald.ws.errors", new Tag("code", e.code().name())).inc();
    JsonObjectBuilder frame = frame("error", ref).add("code", e.code().name()).add("message", e.getMessage());
    if (correlationId != null) {
      frame.add("correlationId", correlationId);
    }
    connection.send(frame.build().toString());
  }
}
