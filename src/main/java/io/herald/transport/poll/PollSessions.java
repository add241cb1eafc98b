package io.herald.transport.poll;

import io.herald.security.Caller;
import io.herald.security.limits.ConnectionCounts;
import io.herald.transport.ConnectionRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.metrics.MetricRegistry;

/**
 * The long-poll sessions of this instance. Each is a connection of its own and holds a connection
 * slot for its life, so the connection limits bound how many there are. A session that no poll
 * comes for within {@code herald.poll.session-timeout-ms} is closed: that is how a long-poll
 * client that went away leaves its channels' member lists.
 */
@ApplicationScoped
public class PollSessions {
  /** Made at start: its gauges are in the first scrape, not after the first use. */
  void boot(@jakarta.enterprise.event.Observes @jakarta.enterprise.context.Initialized(jakarta.enterprise.context.ApplicationScoped.class) Object context) {
    // being called is the point
  }

  @Inject ConnectionRegistry registry;
  @Inject PollSettings settings;
  @Inject MetricRegistry metrics;

  @Inject io.herald.runtime.Timers scheduler;

  private record Kept(PollSession session, ConnectionCounts.Slot slot) {}

  private final Map<String, Kept> sessions = new ConcurrentHashMap<>();
  private ScheduledFuture<?> sweeper;

  @PostConstruct
  void start() {
    long every = Math.max(100, Math.min(1_000, settings.sessionTimeoutMillis() / 4));
    sweeper = scheduler.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.MILLISECONDS);
    metrics.gauge("herald.poll.sessions", sessions, Map::size);
  }

  @PreDestroy
  void stop() {
    sweeper.cancel(false);
    sessions.values().forEach(kept -> close(kept.session(), "shutdown"));
  }

  void add(PollSession session, ConnectionCounts.Slot slot) {
    sessions.put(session.id(), new Kept(session, slot));
  }

  /**
   * The session {@code id} if it is {@code caller}'s and on exactly {@code channels}, else null:
   * a poll on other channels, or from an unknown or expired session, starts a new one.
   */
  PollSession find(String id, Caller caller, Set<String> channels) {
    PollSession session = owned(id, caller);
    return session != null && session.channels().equals(channels) ? session : null;
  }

  /** Closes session {@code id} if it is {@code caller}'s: one that a new session replaces. */
  void replaced(String id, Caller caller) {
    PollSession session = owned(id, caller);
    if (session != null) {
      close(session, "replaced");
    }
  }

  private PollSession owned(String id, Caller caller) {
    Kept kept = id == null ? null : sessions.get(id);
    if (kept == null || kept.session().isClosed()) {
      return null;
    }
    Caller owner = kept.session().caller();
    return owner.tenant().equals(caller.tenant()) && owner.subject().equals(caller.subject()) ? kept.session() : null;
  }

  /**
   * Closes a session: out of its channels and member lists, its slot given back; {@code reason}
   * is its metric label. Idempotent.
   */
  void close(PollSession session, String reason) {
    Kept kept = sessions.remove(session.id());
    PollSession.Poll waiting = session.closeNow();
    registry.close(session, reason);
    if (waiting != null) {
      session.dismiss(waiting);
    }
    if (kept != null) {
      kept.slot().release();
    }
  }

  private void sweep() {
    long now = System.nanoTime();
    long timeout = TimeUnit.MILLISECONDS.toNanos(settings.sessionTimeoutMillis());
    for (Kept kept : sessions.values()) {
      if (kept.session().idle(now, timeout)) {
        close(kept.session(), "client_gone"); // it stopped polling
      }
    }
  }
}
