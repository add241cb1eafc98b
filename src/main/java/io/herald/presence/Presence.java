package io.herald.presence;

import static io.herald.api.JsonProviders.JSON;

import io.herald.bus.InstanceIdentity;
import io.herald.bus.Signal;
import io.herald.channel.NamespacePolicies;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * Who is in which channel, across all instances (docs/protocol.md, "Presence"): the member lists
 * the transports show, kept from the presence messages every instance sends ({@link Replica}), and
 * the frames that tell subscribers how they change. The transports hand it what the bus delivers
 * and fan out the {@link Notice}s it returns, in bus order.
 */
@ApplicationScoped
public class Presence {
  private static final Logger LOG = Logger.getLogger(Presence.class.getName());

  @Inject InstanceIdentity instance;
  @Inject PresenceSettings settings;
  @Inject PresenceTracker tracker;
  @Inject NamespacePolicies policies;
  @Inject MetricRegistry metrics;

  private Replica replica;
  private Colors colors;

  @PostConstruct
  void init() {
    colors = settings.colors();
    replica = new Replica(instance.id(), instance.startedAt().toEpochMilli(), colors, settings.maxEntries(), settings.channelBudget());
    metrics.gauge("herald.presence.members", this, p -> p.replica.members());
    metrics.gauge("herald.presence.channels", this, p -> p.replica.channels());
    metrics.gauge("herald.presence.instances", this, p -> p.replica.instances());
    metrics.gauge("herald.presence.entries", this, p -> p.replica.entries());
    metrics.gauge("herald.presence.refused.entries", this, p -> p.replica.refused());
  }

  /** Whether a channel's namespace keeps a member list. */
  public boolean enabled(String channel) {
    int dot = channel.indexOf('.');
    return policies.ofNamespace(dot < 0 ? channel : channel.substring(0, dot)).presence();
  }

  /**
   * Applies a presence signal the bus delivered (from any instance, or this one's clocks), on the
   * bus thread: the frames to fan out, in order. A message that is not one is logged and dropped.
   */
  public List<Notice> apply(Signal signal) {
    PresenceMessage message;
    try {
      message = PresenceMessage.parse(signal.body());
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Dropped a presence message that could not be read", e);
      return List.of();
    }
    Replica.Outcome outcome =
        replica.apply(
            message,
            System.nanoTime(),
            TimeUnit.MILLISECONDS.toNanos(settings.instanceTimeoutMillis()),
            tracker.connectedSince());
    if (outcome.snapshotAsked()) {
      tracker.snapshotAsked();
    }
    if (!outcome.snapshotsWanted().isEmpty()) {
      tracker.snapshotsWanted(outcome.snapshotsWanted());
    }
    for (Notice notice : outcome.notices()) {
      if (!"update".equals(notice.action())) {
        metrics.counter("herald.presence.changes", new Tag("action", notice.action())).inc();
      }
    }
    return outcome.notices();
  }

  /** A typing signal: the typist's member shows {@code typing} in lists and snapshots. */
  public void typing(Signal signal) {
    try (JsonReader reader = JSON.createReader(new StringReader(signal.body()))) {
      JsonObject frame = reader.readObject();
      if (frame.get("userId") instanceof JsonString user && frame.get("state") instanceof JsonString state) {
        replica.typing(signal.tenant(), signal.channel(), signal.connectionId(), user.getString(), "start".equals(state.getString()));
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "Unreadable typing signal", e);
    }
  }

  /** How many instances this one knows to be running, itself included (from their presence beats). */
  /** Members of all channels' lists, as this instance sees them. */
  public long members() {
    return replica.members();
  }

  public int instances() {
    return replica.instances();
  }

  /** The {@code snapshot} frame a new subscriber of the channel gets first (an empty list too). */
  public String snapshot(String tenant, String channel) {
    String frame = replica.snapshot(tenant, channel);
    return frame != null ? frame : new ChannelMembers(tenant, channel, colors).snapshot();
  }

  /**
   * The channel's members now, as the REST endpoint and {@code presence.get} answer:
   * {@code {"channel":..,"count":..,"online":..,"members":[..]}}.
   */
  public String list(String tenant, String channel) {
    List<Member.View> views = replica.members(tenant, channel);
    StringBuilder out = new StringBuilder(64 + 160 * views.size());
    long online = views.stream().filter(v -> v.status() == Status.ONLINE).count();
    out.append("{\"channel\":").append(JSON.createValue(channel))
        .append(",\"count\":").append(views.size())
        .append(",\"online\":").append(online)
        .append(",\"members\":[");
    for (int i = 0; i < views.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      views.get(i).appendTo(out);
    }
    return out.append("]}").toString();
  }

  int memberCount(String tenant, String channel) {
    return replica.memberCount(tenant, channel);
  }

  boolean isMember(String tenant, String channel, String userId) {
    return replica.isMember(tenant, channel, userId);
  }

  boolean hasChanges() {
    return replica.hasChanges();
  }
}
