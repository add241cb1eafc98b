package io.herald.transport;

import io.herald.observability.Traffic;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.BusSettings;
import io.herald.bus.Draft;
import io.herald.bus.EventBus;
import io.herald.bus.EventNames;
import io.herald.bus.PublishFailure;
import io.herald.channel.ChannelName;
import io.herald.channel.Channels;
import io.herald.channel.NamespacePolicies;
import io.herald.presence.Presence;
import io.herald.presence.PresenceSettings;
import io.herald.presence.PresenceTracker;
import io.herald.presence.Status;
import io.herald.security.ChannelAccess;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The client messages every connection may send, whichever way they come: over its WebSocket, or,
 * for an SSE stream or a long-poll session, posted to the HTTP route (docs/protocol.md, "Sending
 * without a WebSocket"). One implementation, so the rules (grants, namespace policy, limits) are
 * exactly the same.
 */
@ApplicationScoped
public class ClientMessages {
  /** The types handled here; a WebSocket also has subscribe, unsubscribe, ping and refresh. */
  public static final Set<String> TYPES = Set.of("publish", "typing", "presence.update", "presence.get");

  /**
   * Types that are not the client doing something (they neither bring it back nor keep it in
   * member lists), and {@code presence.update}, which is activity the presence tracker notes itself,
   * with the update's own state.
   */
  private static final Set<String> NOT_ACTIVITY = Set.of("ping", "refresh", "presence.get", "presence.update");

  @Inject Channels channels;
  @Inject NamespacePolicies policies;
  @Inject ChannelAccess access;
  @Inject EventBus bus;
  @Inject BusSettings busSettings;
  @Inject Traffic traffic;
  @Inject TypingTracker typing;
  @Inject Presence presence;
  @Inject PresenceTracker presenceTracker;
  @Inject PresenceSettings presenceSettings;

  /** Whether a message of this type is held to the presence rate rather than the message rate. */
  public static boolean isPresenceUpdate(String type) {
    return "presence.update".equals(type);
  }

  /** Notes that the client did something, unless the message is a ping or the like. */
  public void activity(Connection connection, String type) {
    if (!NOT_ACTIVITY.contains(type)) {
      presenceTracker.activity(connection.id());
    }
  }

  /**
   * Handles a message of one of {@link #TYPES}: the fields of its {@code ok} reply (without
   * {@code type} and {@code ref}), or a failure
   * ({@link HeraldException} for bad input and refusals, {@link PublishFailure} for a publish
   * distribution could not take).
   */
  public CompletionStage<JsonObjectBuilder> handle(Connection connection, String type, JsonObject message) {
    return switch (type) {
      case "publish" -> publish(connection, message);
      case "typing" -> done(typing(connection, message));
      case "presence.update" -> done(presenceUpdate(connection, message));
      case "presence.get" -> done(presenceGet(connection, message));
      default -> throw Messages.invalid("Unknown message type '" + type + "'.");
    };
  }

  private static CompletionStage<JsonObjectBuilder> done(JsonObjectBuilder reply) {
    return CompletableFuture.completedFuture(reply);
  }

  private CompletionStage<JsonObjectBuilder> publish(Connection connection, JsonObject message) {
    ChannelName channel = Messages.channel(message, channels);
    access.checkClientPublish(connection.caller(), channel, Messages.token(message));
    String event = EventNames.validate(message.get("event"));
    boolean echo = !JsonValue.FALSE.equals(message.get("echo"));
    Draft draft =
        new Draft(
            channel.value(),
            event,
            message.getOrDefault("data", JsonValue.NULL),
            connection.userId(),
            connection.tenant(),
            echo ? null : connection.id(),
            Messages.idempotencyKey(message, busSettings.idempotencyMaxKeyLength()));
    return bus.publish(draft)
        .thenApply(
            published -> {
              if (!published.repeated()) {
                traffic.accepted(connection.transport() == Transport.WEBSOCKET ? Traffic.Source.WEBSOCKET : Traffic.Source.HTTP);
              }
              JsonObjectBuilder ok = reply(channel).add("eventId", published.envelope().id().toString());
              return published.repeated() ? ok.add("repeated", true) : ok;
            });
  }

  private JsonObjectBuilder typing(Connection connection, JsonObject message) {
    ChannelName channel = Messages.channel(message, channels);
    if (!policies.of(channel).typing()) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "Typing is not enabled in '" + channel.namespace() + "'.");
    }
    subscribed(connection, channel, "typing in it");
    String state = message.get("state") instanceof JsonString s ? s.getString() : "";
    switch (state) {
      case TypingTracker.START -> typing.start(connection, channel.value());
      case TypingTracker.STOP -> typing.stop(connection, channel.value());
      default -> throw Messages.invalid("\"state\" must be \"start\" or \"stop\".");
    }
    return reply(channel);
  }

  /** A new state (cursor, selection, view) and/or status for the connection's member in a channel. */
  private JsonObjectBuilder presenceUpdate(Connection connection, JsonObject message) {
    ChannelName channel = Messages.channel(message, channels);
    hasPresence(channel);
    subscribed(connection, channel, "updating its presence");
    JsonValue stateValue = message.get("state");
    String state = stateValue == null ? null : presenceSettings.state(stateValue);
    Status status = null;
    if (message.containsKey("status")) {
      status = message.get("status") instanceof JsonString s ? Status.of(s.getString()) : null;
      if (status == null) {
        throw Messages.invalid("\"status\" must be \"online\" or \"away\".");
      }
    }
    if (state == null && status == null) {
      throw Messages.invalid("A presence.update carries \"state\", \"status\" or both.");
    }
    presenceTracker.update(connection.id(), channel.value(), state, status);
    return reply(channel);
  }

  /** A channel's member list without subscribing, under the rules of subscribing. */
  private JsonObjectBuilder presenceGet(Connection connection, JsonObject message) {
    ChannelName channel = Messages.channel(message, channels);
    access.checkSubscribe(connection.caller(), channel, Messages.token(message));
    hasPresence(channel);
    try (jakarta.json.JsonReader reader =
        io.herald.api.JsonProviders.JSON.createReader(new java.io.StringReader(presence.list(connection.tenant(), channel.value())))) {
      return io.herald.api.JsonProviders.JSON.createObjectBuilder(reader.readObject());
    }
  }

  private void hasPresence(ChannelName channel) {
    if (!presence.enabled(channel.value())) {
      throw new HeraldException(
          ErrorCode.NOT_FOUND, "'" + channel.namespace() + "' keeps no member lists (herald.namespace." + channel.namespace() + ".presence).");
    }
  }

  private static void subscribed(Connection connection, ChannelName channel, String what) {
    if (!connection.channels().contains(channel.value())) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "Subscribe to " + channel + " before " + what + ".");
    }
  }

  /** The fields of an {@code ok} reply about a channel (the caller adds type and ref). */
  private static JsonObjectBuilder reply(ChannelName channel) {
    return io.herald.api.JsonProviders.JSON.createObjectBuilder().add("channel", channel.value());
  }

  /** The error a failed publish is answered with. */
  public static HeraldException unavailable(PublishFailure why) {
    return new HeraldException(ErrorCode.UNAVAILABLE, why.getMessage());
  }
}
