package io.herald.history;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.channel.NamespacePolicies;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
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
  @Inject NamespacePolicies policies;
  @Inject MetricRegistry metrics;

  @Inject
  @ConfigProperty(name = "herald.history.max-events", defaultValue = "200000")
  int maxEvents;

  @Resource ManagedScheduledExecutorService scheduler;

  private HistoryLog log;
  private ScheduledFuture<?> sweeper;

  @PostConstruct
  void start() {
    log =
        new HistoryLog(
            Clock.systemUTC(),
            channel -> policies.ofNamespace(channel.substring(0, channel.indexOf('.'))).retention(),
            maxEvents);
    // Age limits are kept by the clock, not only when a channel gets its next event.
    sweeper = scheduler.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    metrics.gauge("herald.history.events", this, History::size);
  }

  @PreDestroy
  void stop() {
    sweeper.cancel(false);
  }

  /** Takes the next event from the topic; called in topic order, before it is fanned out. */
  public synchronized void record(Envelope envelope) {
    log.append(envelope);
  }

  /** What a subscriber that last saw {@code position} missed on {@code channels}. */
  public synchronized Replay after(String tenant, Collection<String> channels, EventId position) {
    return log.after(tenant, channels, position);
  }

  /** What a new subscriber gets first: the latest event of last-value channels. */
  public synchronized Replay fresh(String tenant, Collection<String> channels) {
    return log.fresh(tenant, channels);
  }

  /** The newest {@code limit} kept events of a channel, oldest first. */
  public synchronized List<Envelope> latest(String tenant, String channel, int limit) {
    return log.latest(tenant, channel, limit);
  }

  /** The tenant's current position, for subscribers that have not seen an event yet. */
  public synchronized EventId head(String tenant) {
    return log.head(tenant);
  }

  private synchronized void sweep() {
    log.sweep();
  }

  private synchronized long size() {
    return log.size();
  }
}
