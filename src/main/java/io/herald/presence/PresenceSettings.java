package io.herald.presence;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Presence settings (docs/configuration.md, "Presence"). */
@ApplicationScoped
public class PresenceSettings {
  @Inject
  @ConfigProperty(name = "herald.presence.away-after-ms", defaultValue = "300000")
  long awayAfterMillis;

  @Inject
  @ConfigProperty(name = "herald.presence.leave-after-ms", defaultValue = "900000")
  long leaveAfterMillis;

  @Inject
  @ConfigProperty(name = "herald.presence.channel-member-updates-per-second", defaultValue = "200000")
  long channelBudget;

  @Inject
  @ConfigProperty(name = "herald.presence.updates-per-second", defaultValue = "20")
  int updatesPerSecond;

  @Inject
  @ConfigProperty(name = "herald.presence.max-state-bytes", defaultValue = "1024")
  int maxStateBytes;

  @Inject
  @ConfigProperty(name = "herald.presence.max-members", defaultValue = "10000")
  int maxMembers;

  @Inject
  @ConfigProperty(name = "herald.presence.max-entries", defaultValue = "200000")
  int maxEntries;

  @Inject
  @ConfigProperty(name = "herald.presence.heartbeat-ms", defaultValue = "5000")
  long heartbeatMillis;

  @Inject
  @ConfigProperty(name = "herald.presence.instance-timeout-ms", defaultValue = "15000")
  long instanceTimeoutMillis;

  /** Read by hand: Payara's config producer cannot inject an {@code Optional<List<String>>}. */
  @Inject Config config;

  /** Without client activity for this long, a member's connection is {@code away}. */
  public long awayAfterMillis() {
    return awayAfterMillis;
  }

  /** Without client activity for this long, a connection leaves the member lists it is in. */
  public long leaveAfterMillis() {
    return leaveAfterMillis;
  }

  /** The most state updates relayed per second for one connection in one channel; the rest coalesce. */
  public int updatesPerSecond() {
    return Math.max(1, updatesPerSecond);
  }

  /** The interval between two relayed updates of one connection, and between two flushes of a channel's updates. */
  public long updateIntervalMillis() {
    return Math.max(1, 1000 / updatesPerSecond());
  }

  public int maxStateBytes() {
    return maxStateBytes;
  }

  /** Members one channel may have; a subscriber beyond it sees the list but is not in it. */
  public int maxMembers() {
    return maxMembers;
  }

  /** Connections in member lists, all channels and instances together, this instance keeps at most. */
  /** Member updates a second one channel may send its subscribers in all; 0 for no limit. */
  public long channelBudget() {
    return channelBudget;
  }

  public int maxEntries() {
    return maxEntries;
  }

  public long heartbeatMillis() {
    return heartbeatMillis;
  }

  /** An instance not heard from for this long is gone: its members leave. */
  public long instanceTimeoutMillis() {
    return instanceTimeoutMillis;
  }

  /** How often idle connections are looked for: often enough for the shorter of the two limits. */
  public long sweepMillis() {
    return Math.max(100, Math.min(1000, Math.min(awayAfterMillis, leaveAfterMillis) / 5));
  }

  public Colors colors() {
    Optional<List<String>> colors = config.getOptionalValues("herald.presence.colors", String.class);
    return colors.map(Colors::new).orElse(Colors.DEFAULT);
  }

  /** The state a client sent, checked: a JSON object of at most {@code herald.presence.max-state-bytes}. */
  public String state(JsonValue value) {
    if (!(value instanceof JsonObject object)) {
      throw new HeraldException(ErrorCode.INVALID_MESSAGE, "\"state\" must be a JSON object.");
    }
    String text = object.toString();
    if (text.getBytes(StandardCharsets.UTF_8).length > maxStateBytes()) {
      throw new HeraldException(
          ErrorCode.INVALID_MESSAGE, "\"state\" is over " + maxStateBytes() + " bytes (herald.presence.max-state-bytes).");
    }
    return text;
  }
}
