package io.herald.history;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.channel.NamespacePolicies;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.metrics.MetricRegistry;

/**
 * The recent past of every channel on this instance: what a reconnecting subscriber missed, and
 * the latest event of last-value channels. Each instance keeps its own copy from the topic
 * (docs/protocol.md, "History and recovery"); the transports record into it in the same step as
 * they fan an event out, so a subscriber's replay and its live events meet without gap or overlap.
 */
@ApplicationScoped
public class History {
  /** Made at start: its gauges are in the first scrape, not after the first use. */
  void boot(@jakarta.enterprise.event.Observes @jakarta.enterprise.context.Initialized(jakarta.enterprise.context.ApplicationScoped.class) Object context) {
    // being called is the point
  }

  @Inject NamespacePolicies policies;
  @Inject MetricRegistry metrics;

  /** Channel logs one sweep step looks at while holding the lock that fan-out needs. */
  static final int SWEEP_SLICE = 1_000;

  @Inject
  @ConfigProperty(name = "herald.history.max-events", defaultValue = "200000")
  int maxEvents;

  @Inject
  @ConfigProperty(name = "herald.history.max-last-values", defaultValue = "100000")
  int maxLastValues;

  @Inject
  @ConfigProperty(name = "herald.history.clock-tolerance-ms", defaultValue = "10000")
  long clockToleranceMillis;

  @Inject io.herald.runtime.Timers scheduler;
  @Inject io.herald.bus.EventBus bus;

  private final Clock clock = Clock.systemUTC();
  private HistoryLog log;
  private org.eclipse.microprofile.metrics.Counter deferred;
  /** When the last event arrived: while away from the broker, what this history holds is complete until then. */
  private long lastArrival;
  private ScheduledFuture<?> sweeper;

  @PostConstruct
  void start() {
    log =
        new HistoryLog(
            clock,
            channel -> policies.ofNamespace(channel.substring(0, channel.indexOf('.'))).retention(),
            maxEvents,
            maxLastValues,
            clockToleranceMillis);
    // Age limits are kept by the clock, not only when a channel gets its next event.
    sweeper = scheduler.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    deferred = metrics.counter("herald.history.resumes.deferred");
    metrics.gauge("herald.history.events", this, History::size);
    metrics.gauge("herald.history.last.values", this, History::lastValueCount);
    metrics.gauge("herald.history.channels", this, History::channelCount);
    metrics.gauge("herald.history.json.chars", this, History::chars);
  }

  @PreDestroy
  void stop() {
    sweeper.cancel(false);
  }

  /** Takes the next event from the topic; called in topic order, before it is fanned out. */
  public synchronized void record(Envelope envelope) {
    log.append(envelope);
    lastArrival = clock.millis();
  }

  /**
   * Whether a resume from {@code position} can be answered here now. Not an event id this
   * instance does not hold, from about when its broker connection stopped (or from the last few
   * seconds, while connected and current: one on its way here): the client got it on another
   * instance along with events this one has yet to receive, and would get those again as live
   * events. The transports answer "try again later" (docs/jms.md, "When the broker is down").
   */
  public synchronized boolean canAnswer(String tenant, EventId position) {
    if (position == null) {
      return true;
    }
    long horizon = bus.connected() && !bus.behind() ? clock.millis() : lastArrival;
    if (log.canAnswer(tenant, position, horizon)) {
      return true;
    }
    deferred.inc();
    return false;
  }

  /** What a subscriber that last saw {@code position} missed on {@code channels}. */
  public synchronized Replay after(String tenant, Collection<String> channels, EventId position) {
    return log.after(tenant, channels, position);
  }

  /** What a new subscriber gets first: the latest event of last-value channels. */
  public synchronized Replay fresh(String tenant, Collection<String> channels) {
    return log.fresh(tenant, channels);
  }

  /** The last values of those of {@code channels} that keep one. */
  public synchronized List<Envelope> lastValues(String tenant, Collection<String> channels) {
    return log.fresh(tenant, channels).lastValues();
  }

  /** The newest {@code limit} kept events of a channel, oldest first. */
  public synchronized List<Envelope> latest(String tenant, String channel, int limit) {
    return log.latest(tenant, channel, limit);
  }

  /** The tenant's current position, for subscribers that have not seen an event yet. */
  public synchronized EventId head(String tenant) {
    return log.head(tenant);
  }

  /**
   * One pass over every channel log, a slice at a time: the lock, which fan-out needs for every
   * event, is never held for more than {@link #SWEEP_SLICE} channels' worth of work.
   */
  private void sweep() {
    int pass;
    synchronized (this) {
      pass = log.channelCount();
    }
    while (pass > 0) {
      int looked;
      synchronized (this) {
        looked = log.sweep(Math.min(pass, SWEEP_SLICE));
      }
      if (looked == 0) {
        return;
      }
      pass -= looked;
    }
  }

  public synchronized long size() {
    return log.size();
  }

  private synchronized long chars() {
    return log.chars();
  }

  private synchronized long lastValueCount() {
    return log.lastValueCount();
  }

  private synchronized long channelCount() {
    return log.channelCount();
  }
}
