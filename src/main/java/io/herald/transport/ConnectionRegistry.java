package io.herald.transport;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.bus.Signal;
import io.herald.history.History;
import io.herald.history.Replay;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.function.Consumer;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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
 * replayed and what it gets live meet with nothing lost and nothing twice.
 */
@ApplicationScoped
public class ConnectionRegistry {
  private static final Logger LOG = Logger.getLogger(ConnectionRegistry.class.getName());

  @Inject History history;

  /** Orders fan-outs against resuming subscriptions (fan-outs come from one thread anyway). */
  private final Object seam = new Object();

  private final Map<String, Connection> connections = new ConcurrentHashMap<>();
  private final Map<String, Set<Connection>> byChannel = new ConcurrentHashMap<>();

  public void open(Connection connection) {
    connections.put(connection.id(), connection);
  }

  /** The registry key of a tenant's channel; U+001F cannot occur in a channel name. */
  static String key(String tenant, String channel) {
    return tenant + '\u001f' + channel;
  }

  /**
   * Subscribes a connection to channels, handing it what it is owed first: with a position, what
   * it missed since (or the gaps); without one, the latest event of last-value channels. The
   * replay is made to fit {@code room} frames, the connection's bound: channels whose missed
   * events do not fit are answered as gaps ({@link Replay#fit}). The connection must queue the
   * replay in {@code beforeLive}, ahead of any live event.
   *
   * @return the replay given, or null if not even its gaps fit: then nothing was subscribed
   */
  public Replay subscribe(
      Connection connection, Collection<String> channels, EventId since, int room, Consumer<Replay> beforeLive) {
    synchronized (seam) {
      Replay replay =
          since == null
              ? history.fresh(connection.tenant(), channels)
              : history.after(connection.tenant(), channels, since);
      replay = replay.fit(room, since, cut -> history.lastValues(connection.tenant(), cut));
      if (replay == null) {
        return null;
      }
      beforeLive.accept(replay);
      channels.forEach(channel -> subscribe(connection, channel));
      return replay;
    }
  }

  /**
   * Joins the live fan-out of a channel, without any replay; a connection already closed is not
   * added. The add runs under the connection's own entry, which {@link #close} removes first: so
   * either the add comes first and close takes it out again, or it sees the connection gone. (A
   * socket can close while its subscription is still being set up.)
   */
  public void subscribe(Connection connection, String channel) {
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

  public void unsubscribe(Connection connection, String channel) {
    // compute keeps add and remove-if-empty atomic per channel, so no subscriber is lost
    byChannel.computeIfPresent(
        key(connection.tenant(), channel),
        (key, set) -> {
          set.remove(connection);
          return set.isEmpty() ? null : set;
        });
  }

  /** Forgets a connection and all its subscriptions. Idempotent. */
  public void close(Connection connection) {
    if (connections.remove(connection.id()) != null) {
      for (String channel : connection.channels()) {
        unsubscribe(connection, channel);
      }
    }
  }

  void fanOut(@ObservesAsync Envelope envelope) {
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
    for (Connection connection : members) {
      if (excluded != null && excluded.equals(connection.id())) {
        continue; // the publisher asked not to get its own event back
      }
      try {
        connection.deliver(envelope);
      } catch (RuntimeException e) {
        // one broken connection must not cost the others their event
        LOG.log(Level.WARNING, "Delivery to " + connection.id() + " failed", e);
      }
    }
  }

  void fanOut(@ObservesAsync Signal signal) {
    Set<Connection> members = byChannel.get(key(signal.tenant(), signal.channel()));
    if (members == null) {
      return;
    }
    for (Connection connection : members) {
      if (connection.id().equals(signal.connectionId())) {
        continue; // one's own typing is not news
      }
      try {
        connection.signal(signal);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "Signal to " + connection.id() + " failed", e);
      }
    }
  }

  public Map<Transport, Integer> countByTransport() {
    Map<Transport, Integer> counts = new EnumMap<>(Transport.class);
    for (Transport t : Transport.values()) {
      counts.put(t, 0);
    }
    connections.values().forEach(c -> counts.merge(c.transport(), 1, Integer::sum));
    return counts;
  }
}
