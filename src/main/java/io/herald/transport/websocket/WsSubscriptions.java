package io.herald.transport.websocket;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.EventId;
import io.herald.channel.ChannelName;
import io.herald.channel.Channels;
import io.herald.history.Positions;
import io.herald.history.Replay;
import io.herald.security.ChannelAccess;
import io.herald.security.TokenLifetime;
import io.herald.security.limits.Limits;
import io.herald.transport.ConnectionRegistry;
import io.herald.transport.Messages;
import io.herald.transport.Owed;
import io.herald.transport.TokenSubscriptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * A WebSocket connection's subscriptions: joining a channel with what it is owed first, leaving
 * it, and the subscriptions' rights for as long as they last (a subscription token's expiry, a
 * refresh that takes a right away), each end told to the client (docs/protocol.md).
 */
@ApplicationScoped
public class WsSubscriptions {
  @Inject Channels channels;
  @Inject ChannelAccess access;
  @Inject ConnectionRegistry registry;
  @Inject MetricRegistry metrics;
  @Inject Limits limits;
  @Inject io.herald.observability.Audit audit;
  @Inject TokenLifetime lifetime;
  @Inject io.herald.history.History history;

  void subscribe(WsConnection connection, JsonObject message, String ref) {
    ChannelName channel = Messages.channel(message, channels);
    JsonValue sinceValue = message.get("since");
    if (sinceValue != null && sinceValue != JsonValue.NULL && !(sinceValue instanceof JsonString)) {
      throw new HeraldException(ErrorCode.INVALID_POSITION, "\"since\" must be an event id (a string).");
    }
    EventId since = Positions.parse(sinceValue instanceof JsonString s ? s.getString() : null);
    Instant tokenExpiry;
    try {
      tokenExpiry = access.checkSubscribe(connection.caller(), channel, Messages.token(message));
    } catch (HeraldException refused) {
      ConnectionRegistry.Opened from = registry.opened(connection.id());
      audit.refused(
          connection.caller(), connection, "websocket", from == null ? null : from.client(), channel.value(), refused.code().name());
      throw refused;
    }
    if (connection.channels().contains(channel.value())) {
      allowedUntil(connection, channel.value(), tokenExpiry); // a fresh subscription token extends it
      ok(connection, ref, channel); // live already: it has missed nothing
      return;
    }
    if (connection.channels().size() >= limits.maxSubscriptions()) {
      throw new HeraldException(
          ErrorCode.TOO_MANY_SUBSCRIPTIONS, "At most " + limits.maxSubscriptions() + " subscriptions per connection.");
    }
    if (!history.canAnswer(connection.tenant(), since)) {
      // not an error of the request: the whole connection comes back later (a client resumes
      // every channel then), here or on another instance
      connection.close(CloseCodes.TRY_AGAIN_LATER, "try again later", "unavailable");
      return;
    }
    connection.channels().add(channel.value());
    // the replay counts against the connection's bound like live frames (less the reply)
    int room = connection.room() - (ref == null ? 0 : 1);
    Replay replay =
        registry.subscribe(
            connection, List.of(channel.value()), since, room, owed -> connection.sendFirst(preamble(ref, channel, since, owed)));
    if (replay == null) {
      connection.close(CloseCodes.SLOW_CONSUMER, "slow consumer", "slow_consumer"); // not even a gap fits
      return;
    }
    allowedUntil(connection, channel.value(), tokenExpiry);
    if (since != null) {
      metrics
          .counter("herald.recoveries", new Tag("transport", "websocket"), new Tag("recovered", String.valueOf(replay.recovered())))
          .inc();
    }
  }

  /**
   * The reply, then what the subscription is owed: the gap notice, the latest value, the missed
   * events, the member list. The reply names the channel's position only when no replayed event follows (those
   * carry their own ids), so a client that keeps "the last id I saw, else the reply's position"
   * always resumes from the right place.
   */
  private static List<String> preamble(String ref, ChannelName channel, EventId since, Owed owed) {
    Replay replay = owed.replay();
    List<String> frames = new ArrayList<>();
    if (ref != null) {
      JsonObjectBuilder ok = Messages.frame("ok", ref).add("channel", channel.value());
      if (since != null) {
        ok.add("recovered", replay.recovered());
      }
      if (replay.events().isEmpty()) {
        ok.add("position", replay.position().toString());
      }
      frames.add(ok.build().toString());
    }
    frames.addAll(owed.frames(since));
    return frames;
  }

  /**
   * Notes how long the subscription may live: as long as the connection (null: the caller's own
   * rights allow it), or until the subscription token that allows it expires.
   */
  private void allowedUntil(WsConnection connection, String channel, Instant tokenExpiry) {
    if (tokenExpiry == null) {
      connection.tokenSubscriptions().remove(channel);
    } else {
      connection.tokenSubscriptions().add(
          channel,
          lifetime.schedule(
              tokenExpiry,
              () ->
                  end(
                      connection,
                      channel,
                      TokenSubscriptions.TOKEN_EXPIRED,
                      "The subscription token for " + channel + " expired; subscribe again with a fresh one.")));
    }
  }

  /** The {@code ok} reply to a request about a channel, if the request had an id. */
  private static void ok(WsConnection connection, String ref, ChannelName channel) {
    if (ref != null) {
      connection.send(Messages.frame("ok", ref).add("channel", channel.value()).build().toString());
    }
  }

  void unsubscribe(WsConnection connection, JsonObject message, String ref) {
    ChannelName channel = Messages.channel(message, channels);
    leave(connection, channel.value());
    ok(connection, ref, channel);
  }

  /** Takes the connection out of a channel; true if it was in. */
  private boolean leave(WsConnection connection, String channel) {
    if (!connection.channels().remove(channel)) {
      return false;
    }
    registry.unsubscribe(connection, channel);
    connection.tokenSubscriptions().remove(channel);
    return true;
  }

  /** Ends a subscription the client did not ask to end, and tells it why (an {@code unsubscribed} notice). */
  private void end(WsConnection connection, String channel, String code, String message) {
    if (leave(connection, channel)) {
      connection.send(TokenSubscriptions.notice(channel, code, message));
    }
  }

  /**
   * Rights are checked for the life of a subscription: after a refresh, each subscription the
   * new token no longer allows ends (those opened by a still-valid subscription token stay).
   */
  void recheck(WsConnection connection, io.herald.security.Caller renewed) {
    for (String channel : List.copyOf(connection.channels())) {
      if (connection.tokenSubscriptions().has(channel)) {
        continue;
      }
      try {
        access.checkSubscribe(renewed, channels.parse(channel), (String) null);
      } catch (HeraldException refused) {
        end(connection, channel, TokenSubscriptions.PERMISSION_DENIED, "The refreshed token does not allow " + channel + ": " + refused.getMessage());
      }
    }
  }
}
