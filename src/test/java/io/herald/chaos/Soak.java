package io.herald.chaos;

import io.herald.testing.Cluster;
import io.herald.testing.Server;
import io.herald.testing.Tokens;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A soak: a cluster (one Artemis broker, two Herald instances) under a steady mixed load for a
 * given time: steady subscribers over every transport, visitors who come and go every few seconds
 * (connect/disconnect churn, presence joins and leaves: half the channels keep member lists),
 * publishes spread over many channels, and history reads. Every interval it samples each
 * instance (heap after a full GC, RSS, threads, file descriptors) and the latency of the events
 * delivered meanwhile; the report holds the series and how each moved after the warm-up.
 */
final class Soak {
  private final int seconds;
  private final int intervalSeconds;
  private final int steady;
  private final int visitors;
  private final int rate;
  private final Random random = new Random(42);
  private final Recorder latency = new Recorder(3);
  private final AtomicLong connects = new AtomicLong();
  private final AtomicLong deliveries = new AtomicLong();
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong publishFailures = new AtomicLong();
  private final AtomicLong historyReads = new AtomicLong();
  private final AtomicLong historyFailures = new AtomicLong();
  private final Map<String, AtomicLong> linkEnds = new ConcurrentSkipListMap<>();
  private volatile boolean stopping;
  private volatile List<Chaos.Instance> instances;

  Soak(int seconds, int intervalSeconds, int steady, int visitors, int rate) {
    this.seconds = seconds;
    this.intervalSeconds = intervalSeconds;
    this.steady = steady;
    this.visitors = visitors;
    this.rate = rate;
  }

  boolean stopping() {
    return stopping;
  }

  List<Chaos.Instance> instances() {
    return instances;
  }

  void connected() {
    connects.incrementAndGet();
  }

  void delivered(long millis) {
    deliveries.incrementAndGet();
    latency.recordValue(Math.max(0, millis));
  }

  void linkEnded(String why) {
    linkEnds.computeIfAbsent(String.valueOf(why), k -> new AtomicLong()).incrementAndGet();
  }

  JsonObject run() throws Exception {
    // every client comes from loopback: one address stands for all of them
    // Native Memory Tracking (summary: a few percent of CPU) tells what an RSS growth is made of
    try (Cluster cluster = Cluster.start(Map.of(
        "HERALD_LIMITS_CONNECTIONS_PER_IP", String.valueOf(10 * (steady + visitors) + 100),
        "JDK_JAVA_OPTIONS", "-XX:NativeMemoryTracking=summary"))) {
      long now = System.currentTimeMillis();
      instances = List.of(new Chaos.Instance("a", cluster.a, now), new Chaos.Instance("b", cluster.b, now));
      try {
        return soak();
      } finally {
        stopping = true;
      }
    }
  }

  private JsonObject soak() throws Exception {
    Instant expiry = Instant.now().plusSeconds(seconds + 3600L);
    List<String> channels = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      channels.add("jobs.soak-" + i); // fan-out
      channels.add("docs.soak-" + i); // with member lists
    }
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < steady + visitors; i++) {
      boolean isSteady = i < steady;
      String user = (isSteady ? "soak-" : "soak-visitor-") + i;
      String token = Tokens.forUser(user).subscribe("jobs.*", "docs.*").expiresAt(expiry).sign();
      SoakClient client =
          new SoakClient(channels.get(i % channels.size()), token, this, random.nextLong(), isSteady ? 0 : 5_000, isSteady ? Integer.MAX_VALUE : 20_000);
      threads.add(Chaos.daemon("soak-client-" + i, client));
    }
    String publisher = Tokens.forUser("soak-publisher").groups("publisher").expiresAt(expiry).sign();
    String reader = Tokens.forUser("soak-reader").subscribe("jobs.*", "docs.*").expiresAt(expiry).sign();
    threads.add(Chaos.daemon("soak-publisher", () -> publish(channels, publisher)));
    threads.add(Chaos.daemon("soak-history", () -> readHistory(channels, reader)));

    JsonArrayBuilder samples = Json.createArrayBuilder();
    long start = System.nanoTime();
    for (int n = 1; n * (long) intervalSeconds <= seconds; n++) {
      long due = start + TimeUnit.SECONDS.toNanos(n * (long) intervalSeconds);
      Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime())));
      samples.add(sample(n * intervalSeconds));
    }
    stopping = true;
    for (Thread t : threads) {
      t.join(5_000);
    }
    JsonArray series = samples.build();
    return Json.createObjectBuilder()
        .add("seconds", seconds)
        .add("intervalSeconds", intervalSeconds)
        .add("steadyClients", steady)
        .add("visitors", visitors)
        .add("publishesPerSecond", rate)
        .add("channels", channels.size())
        .add("totals", Json.createObjectBuilder()
            .add("connects", connects.get())
            .add("deliveries", deliveries.get())
            .add("published", published.get())
            .add("publishFailures", publishFailures.get())
            .add("historyReads", historyReads.get())
            .add("historyFailures", historyFailures.get())
            .add("linkEnds", linkEndsJson()))
        .add("afterWarmUp", SoakSummary.of(series))
        .add("samples", series)
        .build();
  }

  private JsonObject sample(int atSeconds) {
    Histogram h = latency.getIntervalHistogram();
    JsonObjectBuilder byInstance = Json.createObjectBuilder();
    for (Chaos.Instance i : instances) {
      byInstance.add(i.name(), SoakSampler.sample(i.process().pid()));
    }
    return Json.createObjectBuilder()
        .add("t", atSeconds)
        .add("instances", byInstance)
        .add("latency", Json.createObjectBuilder()
            .add("count", h.getTotalCount())
            .add("p50Ms", h.getValueAtPercentile(50))
            .add("p99Ms", h.getValueAtPercentile(99))
            .add("maxMs", h.getMaxValue()))
        .add("connects", connects.get())
        .add("publishFailures", publishFailures.get())
        .add("historyFailures", historyFailures.get())
        .build();
  }

  /** Publishes at the rate, round the channels and the instances, each event with its moment. */
  private void publish(List<String> channels, String token) {
    long period = TimeUnit.SECONDS.toNanos(1) / rate;
    long next = System.nanoTime();
    for (long k = 0; !stopping; k++) {
      Server server = instances.get((int) (k % instances.size())).server();
      try {
        Server.Reply reply = server.publish(token, channels.get((int) (k % channels.size())), "tick", "{\"t\":" + System.currentTimeMillis() + ",\"n\":" + k + "}");
        (reply.status() == 202 ? published : publishFailures).incrementAndGet();
      } catch (RuntimeException e) {
        publishFailures.incrementAndGet();
      }
      next += period;
      pause(next);
    }
  }

  /** A history read a second, of a random channel on a random instance. */
  private void readHistory(List<String> channels, String token) {
    Random r = new Random(7);
    long next = System.nanoTime();
    while (!stopping) {
      Server server = instances.get(r.nextInt(instances.size())).server();
      try {
        Server.Reply reply = server.get("api/channels/" + channels.get(r.nextInt(channels.size())) + "/history?limit=50", token);
        (reply.status() == 200 ? historyReads : historyFailures).incrementAndGet();
      } catch (RuntimeException e) {
        historyFailures.incrementAndGet();
      }
      next += TimeUnit.SECONDS.toNanos(1);
      pause(next);
    }
  }

  private static void pause(long untilNanos) {
    long millis = TimeUnit.NANOSECONDS.toMillis(untilNanos - System.nanoTime());
    if (millis > 0) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private JsonObject linkEndsJson() {
    JsonObjectBuilder b = Json.createObjectBuilder();
    linkEnds.forEach((why, n) -> b.add(why, n.get()));
    return b.build();
  }
}
