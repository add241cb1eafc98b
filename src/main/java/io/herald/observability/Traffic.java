package io.herald.observability;

import io.herald.bus.Envelope;
import io.herald.transport.Transport;
import java.util.List;
import org.eclipse.microprofile.metrics.Snapshot.PercentileValue;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Histogram;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricUnits;

/**
 * The counts of the data path: events in by source, events received from distribution, deliveries
 * and their latency by transport, and the broker hop. The metrics are looked up once, here, not
 * per call: a fan-out counts hundreds of thousands of deliveries a second.
 *
 * <p>Latency is measured from the event's accept time (its id's clock, on the instance that took
 * it in) to the write on this instance. A timer's update is far dearer than a counter's (it keeps
 * a decaying sample), so each writer thread times one write in
 * {@code herald.metrics.latency-sample-every}; the counts stay exact.
 */
@ApplicationScoped
public class Traffic {
  /** Where an event came in. */
  public enum Source {
    HTTP,
    BATCH,
    WEBSOCKET,
    JMS;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  @Inject MetricRegistry metrics;

  @Inject
  @ConfigProperty(name = "herald.metrics.latency-sample-every", defaultValue = "8")
  int sampleEvery;

  private final Map<Source, Counter> in = new EnumMap<>(Source.class);
  private final Map<Transport, Counter> deliveries = new EnumMap<>(Transport.class);
  private final Map<Transport, Histogram> latency = new EnumMap<>(Transport.class);
  private final Map<Transport, Writes> writes = new EnumMap<>(Transport.class);
  private Counter received;
  private ChannelRates channels;

  @Inject
  @ConfigProperty(name = "herald.admin.max-tracked-channels", defaultValue = "10000")
  int maxTrackedChannels;
  private Histogram brokerHop;

  /** Per writer thread: writes since its last timed one. */
  private static final ThreadLocal<int[]> UNTIMED = ThreadLocal.withInitial(() -> new int[1]);

  @PostConstruct
  void register() {
    if (sampleEvery < 1) {
      throw new IllegalStateException("herald.metrics.latency-sample-every must be at least 1: " + sampleEvery);
    }
    for (Source source : Source.values()) {
      in.put(source, metrics.counter("herald.events.in", new Tag("source", source.label())));
    }
    for (Transport transport : Transport.values()) {
      Tag tag = new Tag("transport", transport.label());
      deliveries.put(transport, metrics.counter("herald.deliveries", tag));
      latency.put(transport, metrics.histogram(milliseconds("herald.delivery.latency.ms"), tag));
      writes.put(transport, new Writes(latency.get(transport), sampleEvery));
    }
    received = metrics.counter("herald.events.received");
    channels = new ChannelRates(maxTrackedChannels, WINDOW_MILLIS, System.currentTimeMillis());
    metrics.gauge("herald.channels.untracked.rate", channels, ChannelRates::untracked);
    brokerHop = metrics.histogram(milliseconds("herald.broker.latency.ms"));
  }

  /** A lasting connection opened (not a single long-poll request). */
  public void opened(Transport transport) {
    metrics.counter("herald.connections.opened", new Tag("transport", transport.label())).inc();
  }

  /** A lasting connection ended; {@code reason} is a label of a fixed set (operations.md). */
  public void closed(Transport transport, String reason) {
    metrics.counter("herald.connections.closed", new Tag("transport", transport.label()), new Tag("reason", reason)).inc();
  }

  /**
   * A histogram of milliseconds, unitless to the exporter: Payara's Prometheus output of a timer
   * (or of a histogram with a time unit) names it in seconds but writes its quantiles, mean and
   * max in nanoseconds (measured on 6.2025.10); a number named in milliseconds is what it says.
   */
  private static Metadata milliseconds(String name) {
    return Metadata.builder().withName(name).withUnit(MetricUnits.NONE).build();
  }

  /** An event taken in (a repeat of an idempotency key is not a new one). */
  public void accepted(Source source) {
    in.get(source).inc();
  }

  /** An event handed to this instance's bus by distribution (from any instance); on the bus's thread. */
  public void received(Envelope envelope) {
    long now = System.currentTimeMillis();
    received.inc();
    brokerHop.update(Math.max(0, now - envelope.timestamp().toEpochMilli()));
    channels.count(envelope.tenant(), envelope.channel(), now);
  }

  /** The busiest channels of the last window, of {@code tenant} (null: all). */
  public List<ChannelRates.Rate> busiest(String tenant, int limit) {
    return channels.top(tenant, limit, System.currentTimeMillis());
  }

  /** A channel's events per second in the last window. */
  public double rate(String tenant, String channel) {
    return channels.of(tenant, channel, System.currentTimeMillis());
  }

  /** This instance's rates over the last window (2 s or more: the time since the last reading). */
  public synchronized Figures figures() {
    long now = System.currentTimeMillis();
    if (now - figuresAt >= FIGURES_MILLIS || lastFigures == null) {
      long in = this.in.values().stream().mapToLong(Counter::getCount).sum();
      long out = deliveries.values().stream().mapToLong(Counter::getCount).sum();
      long got = received.getCount();
      double seconds = Math.max(1, now - figuresAt) / 1000.0;
      lastFigures =
          new Figures(
              figuresAt == 0 ? 0 : (in - inAt) / seconds,
              figuresAt == 0 ? 0 : (got - receivedAt) / seconds,
              figuresAt == 0 ? 0 : (out - outAt) / seconds);
      inAt = in;
      outAt = out;
      receivedAt = got;
      figuresAt = now;
    }
    return lastFigures;
  }

  /** Events per second taken in here, received from distribution, and delivered to clients here. */
  public record Figures(double eventsIn, double eventsReceived, double deliveries) {}

  /** A percentile of the delivery latency, all transports together, in milliseconds (the largest of them). */
  public double latencyMillis(double percentile) {
    double worst = 0;
    for (Histogram histogram : latency.values()) {
      for (PercentileValue value : histogram.getSnapshot().percentileValues()) {
        if (value.getPercentile() == percentile) {
          worst = Math.max(worst, value.getValue());
        }
      }
    }
    return worst;
  }

  /** The busiest channels' window: long enough that a channel's rate is not one burst. */
  private static final long WINDOW_MILLIS = 10_000;
  /** The rates' window: as live as the dashboard's ticks (herald.admin.stream-ms). */
  private static final long FIGURES_MILLIS = 2_000;
  private long figuresAt;
  private long inAt;
  private long outAt;
  private long receivedAt;
  private Figures lastFigures;

  /** {@code count} live events handed to connections of one transport by a fan-out. */
  public void delivered(Transport transport, int count) {
    if (count > 0) {
      deliveries.get(transport).inc(count);
    }
  }

  /** A live event written to a client: {@code acceptedMillis} is its accept time. */
  public void written(Transport transport, long acceptedMillis) {
    writes.get(transport).written(acceptedMillis);
  }

  /**
   * The timing of one transport's writes, for its connections to keep: called on every write, and
   * a call through this bean's CDI proxy cost 0.3 us each (docs/performance.md).
   */
  public Writes writes(Transport transport) {
    return writes.get(transport);
  }

  /** Times one write in {@code sampleEvery} per writer thread. */
  public static final class Writes {
    private final Histogram latency;
    private final int sampleEvery;

    private Writes(Histogram latency, int sampleEvery) {
      this.latency = latency;
      this.sampleEvery = sampleEvery;
    }

    /** A live event written to a client: {@code acceptedMillis} is its accept time. */
    public void written(long acceptedMillis) {
      int[] untimed = UNTIMED.get();
      if (++untimed[0] < sampleEvery) {
        return;
      }
      untimed[0] = 0;
      latency.update(Math.max(0, System.currentTimeMillis() - acceptedMillis));
    }
  }
}
