package io.herald.transport;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.bus.Signal;
import io.herald.history.History;
import io.herald.history.Replay;
import io.herald.presence.Notice;
import io.herald.presence.Presence;
import io.herald.presence.PresenceTracker;
import io.herald.observability.Audit;
import io.herald.observability.Traffic;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.function.Consumer;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Knows every open connection on this instance and which channels each listens to, and fans each
 * event from the bus out to the connections of its channel. Transports register here; none of
 * them observes the bus on its own, so one lookup serves every transport.
 *
 * <p>Channels are per tenant: {@code jobs.42} of tenant {@code acme} and of tenant {@code globex}
 * are different keys here, so no event can reach another tenant's subscriber whichever way it
 * came in.
 *
 * <p>Each event is recorded in the {@link History} and fanned out in one step, and a subscription
 * that resumes takes its replay and joins the fan-out in one step too: so what a subscriber is
 * replayed and what it gets live meet with nothing lost and nothing twice. Presence works the same
 * way: a subscriber takes the member list and joins the fan-out of its changes in one step.
 *
 * <p>It is also where a connection's life meets presence and typing: subscribing joins a member
 * list, unsubscribing or closing leaves it and ends the connection's typing.
 */
@ApplicationScoped
public class ConnectionRegistry {
  private static final Logger LOG = Logger.getLogger(ConnectionRegistry.class.getName());

  @Inject History history;
  @Inject Presence presence;
  @Inject PresenceTracker presenceTracker;
  @Inject TypingTracker typing;
  @Inject Traffic traffic;
  @Inject Audit audit;
  @Inject MetricRegistry metrics;

  /** Orders fan-outs against resuming subscriptions (fan-outs come from one thread anyway). */
  private final Object seam = new Object();

  private final Map<String, Connection> connections = new ConcurrentHashMap<>();
  private final Map<String, Set<Connection>> byChannel = new ConcurrentHashMap<>();
  /** Where each open connection came from and since when: the audit log's and the admin API's. */
  private final Map<String, Opened> opened = new ConcurrentHashMap<>();
  private final Map<Transport, AtomicInteger> open = new EnumMap<>(Transport.class);

  {
    for (Transport transport : Transport.values()) {
      open.put(transport, new AtomicInteger());
    }
  }

  /** A connection's origin and start. */
  public record Opened(Client client, Instant at) {}

  @PostConstruct
  void register() {
    for (Transport transport : Transport.values()) {
      metrics.gauge("herald.connections.open", open.get(transport), AtomicInteger::get, new Tag("transport", transport.label()));
      metrics.gauge("herald.connections.queued", this, r -> r.queued(transport), new Tag("transport", transport.label()));
    }
  }

  /**
   * Registers a connection. One that lasts (not a single long-poll request, which is one request
   * and gone) is counted as opened and audited.
   */
  public void open(Connection connection, Client client) {
    // its origin first: a close racing with this open finds it, and removes both
    opened.put(connection.id(), new Opened(client, Instant.now()));
    connections.put(connection.id(), connection);
    open.get(connection.transport()).incrementAndGet();
    if (connection.present()) {
      traffic.opened(connection.transport());
      audit.connected(connection, client);
    }
  }

  /** Where a connection came from and since when, or null if it is not open here. */
  public Opened opened(String id) {
    return opened.get(id);
  }

  /** The registry key of a tenant's channel; U+001F cannot occur in a channel name. */
  static String key(String tenant, String channel) {
    return tenant + '\u001f' + channel;
  }

  /**
   * Subscribes a connection to channels, handing it what it is owed first: with a position, what
   * it missed since (or the gaps); without one, the latest event of last-value channels; and the
   * member list of each channel that keeps one. The replay is made to fit {@code room} frames, the
   * connection's bound: channels whose missed events do not fit are answered as gaps
   * ({@link Replay#fit}). The connection must queue what it is owed in {@code beforeLive}, ahead of
   * anything live. It then joins the member lists (a {@code join} follows, for everyone).
   *
   * @return the replay given, or null if not even its gaps fit: then nothing was subscribed
   */
  public Replay subscribe(
      Connection connection, Collection<String> channels, EventId since, int room, Consumer<Owed> beforeLive) {
    Replay replay;
    synchronized (seam) {
      Owed owed = owed(connection, channels, since, room);
      if (owed == null) {
        return null;
      }
      replay = owed.replay();
      beforeLive.accept(owed);
      channels.forEach(channel -> join(connection, channel));
    }
    if (connection.present()) {
      Opened from = opened.get(connection.id());
      audit.subscribed(connection, from == null ? Client.UNKNOWN : from.client(), channels);
      channels.forEach(channel -> presenceTracker.joined(connection.id(), connection.caller(), channel));
      if (connections.get(connection.id()) != connection) {
        // closed while joining: its close may have found nothing to leave yet (closed is idempotent)
        presenceTracker.closed(connection.id());
      }
    }
    return replay;
  }

  /**
   * Gives a connection that stays subscribed what it is owed from {@code since} once more, as
   * {@link #subscribe} would, to replace what it holds: a long-poll session that lost an answer or
   * let frames go. Under the seam, so it and the live frames after it meet exactly.
   */
  public void resync(Connection connection, EventId since, Consumer<Owed> owed) {
    synchronized (seam) {
      owed.accept(owed(connection, connection.channels(), since, Integer.MAX_VALUE));
    }
  }

  private Owed owed(Connection connection, Collection<String> channels, EventId since, int room) {
    List<String> members = new ArrayList<>();
    for (String channel : channels) {
      if (presence.enabled(channel)) {
        members.add(presence.snapshot(connection.tenant(), channel));
      }
    }
    Replay replay =
        since == null ? history.fresh(connection.tenant(), channels) : history.after(connection.tenant(), channels, since);
    replay = replay.fit(room - members.size(), since, cut -> history.lastValues(connection.tenant(), cut));
    return replay == null ? null : new Owed(replay, members);
  }

  /**
   * Joins the live fan-out of a channel; a connection already closed is not added. The add runs
   * under the connection's own entry, which {@link #close} removes first: so either the add comes
   * first and close takes it out again, or it sees the connection gone. (A socket can close while
   * its subscription is still being set up.)
   */
  private void join(Connection connection, String channel) {
    connections.computeIfPresent(
        connection.id(),
        (id, open) -> {
          byChannel.compute(
              key(connection.tenant(), channel),
              (key, set) -> {
                Set<Connection> members = set == null ? ConcurrentHashMap.newKeySet() : set;
                members.add(connection);
                return members;
              });
          return open;
        });
  }

  /** Takes a connection out of a channel: its fan-out, its member list, its typing there. */
  public void unsubscribe(Connection connection, String channel) {
    leave(connection, channel);
    presenceTracker.left(connection.id(), channel);
    typing.stop(connection, channel);
  }

  private void leave(Connection connection, String channel) {
    // compute keeps add and remove-if-empty atomic per channel, so no subscriber is lost
    byChannel.computeIfPresent(
        key(connection.tenant(), channel),
        (key, set) -> {
          set.remove(connection);
          return set.isEmpty() ? null : set;
        });
  }

  /**
   * Forgets a connection and all its subscriptions, member lists and typing; counts and audits its
   * close with {@code reason}, a metric label (operations.md). Idempotent.
   */
  public void close(Connection connection, String reason) {
    if (connections.remove(connection.id()) != null) {
      for (String channel : connection.channels()) {
        leave(connection, channel);
      }
      presenceTracker.closed(connection.id());
      typing.connectionClosed(connection);
      open.get(connection.transport()).decrementAndGet();
      Opened from = opened.remove(connection.id());
      if (connection.present()) {
        traffic.closed(connection.transport(), reason);
        long millis = from == null ? 0 : Duration.between(from.at(), Instant.now()).toMillis();
        audit.closed(connection, from == null ? Client.UNKNOWN : from.client(), reason, millis);
      }
    }
  }

  /** Frames waiting in the queues of a transport's connections: a scrape walks them all. */
  private long queued(Transport transport) {
    long sum = 0;
    for (Connection connection : connections.values()) {
      if (connection.transport() == transport) {
        sum += connection.queued();
      }
    }
    return sum;
  }

  /** How many of this instance's connections are subscribed to a tenant's channel. */
  public int subscribers(String tenant, String channel) {
    Set<Connection> members = byChannel.get(key(tenant, channel));
    return members == null ? 0 : members.size();
  }

  /** An open connection by its id, or null. */
  public Connection find(String id) {
    return connections.get(id);
  }

  void fanOut(@ObservesAsync Envelope envelope) {
    traffic.received(envelope);
    synchronized (seam) {
      history.record(envelope);
      deliver(envelope);
    }
  }

  private void deliver(Envelope envelope) {
    Set<Connection> members = byChannel.get(key(envelope.tenant(), envelope.channel()));
    if (members == null) {
      return;
    }
    String excluded = envelope.excludedConnection();
    int[] handed = new int[TRANSPORTS.length];
    for (Connection connection : members) {
      if (excluded != null && excluded.equals(connection.id())) {
        continue; // the publisher asked not to get its own event back
      }
      try {
        connection.deliver(envelope);
        handed[connection.transport().ordinal()]++;
      } catch (RuntimeException e) {
        // one broken connection must not cost the others their event
        LOG.log(Level.WARNING, "Delivery to " + connection.id() + " failed", e);
      }
    }
    for (Transport transport : TRANSPORTS) {
      traffic.delivered(transport, handed[transport.ordinal()]); // once per event, not per delivery
    }
  }

  private static final Transport[] TRANSPORTS = Transport.values();

  void fanOut(@ObservesAsync Signal signal) {
    switch (signal.kind()) {
      case TYPING -> {
        presence.typing(signal);
        deliver(signal.tenant(), signal.channel(), "typing", signal.body(), signal.connectionId());
      }
      case PRESENCE -> {
        // under the seam: a new subscriber's member list and the changes after it meet exactly
        synchronized (seam) {
          for (Notice notice : presence.apply(signal)) {
            deliver(notice.tenant(), notice.channel(), "presence", notice.frame(), null);
          }
        }
      }
      default -> {
        // forwarded HTTP messages: transport.route's
      }
    }
  }

  private void deliver(String tenant, String channel, String type, String frame, String excluded) {
    Set<Connection> members = byChannel.get(key(tenant, channel));
    if (members == null) {
      return;
    }
    for (Connection connection : members) {
      if (connection.id().equals(excluded)) {
        continue; // one's own typing is not news
      }
      try {
        connection.signal(type, frame);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "Signal to " + connection.id() + " failed", e);
      }
    }
  }

  /** Every open connection, now. */
  public java.util.List<Connection> all() {
    return java.util.List.copyOf(connections.values());
  }

  public Map<Transport, Integer> countByTransport() {
    Map<Transport, Integer> counts = new EnumMap<>(Transport.class);
    open.forEach((transport, count) -> counts.put(transport, count.get()));
    return counts;
  }
}
