package io.herald.bench;

import io.herald.bench.Gateway.Transport;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/** The scenarios of issue 7, each against one gateway, each returning its figures as JSON. */
final class Scenarios {
  /** Handshakes in flight at once while connecting. */
  private static final int CONNECTING = 200;
  /** Connections per loopback destination address: one address has only ~28k ephemeral ports. */
  private static final int PER_ADDRESS = 20_000;

  private final Gateway gateway;
  private final Probe probe;
  private final String prefix;
  private final AtomicLong seq = new AtomicLong();

  Scenarios(Gateway gateway, Probe probe, String runId) {
    this.gateway = gateway;
    this.probe = probe;
    this.prefix = "bench." + runId + "-";
  }

  /** N idle connections, half SSE half WebSocket where offered, each on its own channel and a shared one. */
  /** {@code only}: every connection on that transport; null: half SSE, half WebSocket. */
  JsonObject idle(int n, Transport only, int idleSeconds, java.util.function.LongSupplier heap) throws Exception {
    Tally tally = new Tally();
    System.gc();
    long rss0 = probe.rssBytes();
    long heap0 = heap.getAsLong();
    double connectCpu0 = probe.cpuSeconds();
    long t0 = System.nanoTime();
    List<Gateway.Client> clients =
        connect(n, i -> List.of(prefix + "own" + i, prefix + "shared"), i -> only != null ? only : transport(i), tally);
    double connectSeconds = (System.nanoTime() - t0) / 1e9;
    double connectCpu = probe.cpuSeconds() - connectCpu0;
    Thread.sleep(3000);
    long rss1 = probe.rssBytes();
    long heap1 = heap.getAsLong();
    // what sitting idle costs: the gateway's CPU while nothing is published (pings, heartbeats,
    // timers), over idleSeconds after the connects have settled, by thread kind as well
    double cpu0 = probe.cpuSeconds();
    double jit0 = probe.jitCpuSeconds();
    java.util.Map<String, Double> threads0 = probe.cpuSecondsByThread();
    Thread.sleep(idleSeconds * 1000L);
    double idleCpu = (probe.cpuSeconds() - cpu0) / idleSeconds;
    double idleJit = (probe.jitCpuSeconds() - jit0) / idleSeconds;
    JsonObjectBuilder byThread = Json.createObjectBuilder();
    probe.cpuSecondsByThread().entrySet().stream()
        .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - threads0.getOrDefault(e.getKey(), 0.0)))
        .filter(e -> e.getValue() > 0)
        .sorted(java.util.Map.Entry.<String, Double>comparingByValue().reversed())
        .limit(10)
        .forEach(e -> byThread.add(e.getKey(), round(100 * e.getValue() / idleSeconds)));
    tally.reset(Long.MAX_VALUE);
    gateway.publish(prefix + "shared", Tally.payload(seq.incrementAndGet())).get(30, TimeUnit.SECONDS);
    boolean all = await(tally, n, 30_000);
    clients.forEach(Gateway.Client::close);
    // the same clients again, on the now warm gateway: what a reconnect costs once the code is hot
    Thread.sleep(2000);
    double reconnectCpu0 = probe.cpuSeconds();
    long t1 = System.nanoTime();
    List<Gateway.Client> again =
        connect(n, i -> List.of(prefix + "own" + i, prefix + "shared"), i -> only != null ? only : transport(i), new Tally());
    double reconnectSeconds = (System.nanoTime() - t1) / 1e9;
    double reconnectCpu = probe.cpuSeconds() - reconnectCpu0;
    again.forEach(Gateway.Client::close);
    JsonObjectBuilder r =
        Json.createObjectBuilder()
            .add("connections", n)
            .add("warmReconnectsPerSecond", round(n / reconnectSeconds))
            .add("gatewayCpuMsPerWarmReconnect", round(1000 * reconnectCpu / n))
            .add("transport", only == null ? "mixed" : only.name().toLowerCase())
            .add("connectSeconds", round(connectSeconds))
            .add("connectsPerSecond", round(n / connectSeconds))
            .add("gatewayCpuMsPerConnect", round(1000 * connectCpu / n))
            .add("rssBaselineBytes", rss0)
            .add("rssBytes", rss1)
            .add("rssPerConnectionBytes", (rss1 - rss0) / n)
            .add("broadcastDelivered", tally.received())
            .add("allDelivered", all)
            .add("connectRetries", RETRIES.get())
            .add("idleSeconds", idleSeconds)
            .add("idleCpuPercent", round(100 * idleCpu))
            .add("idleCpuPercentWithoutJit", round(100 * (idleCpu - idleJit)))
            .add("idleCpuPercentByThread", byThread);
    if (heap0 >= 0 && heap1 >= 0) {
      r.add("heapPerConnectionBytes", (heap1 - heap0) / n);
    }
    return r.build();
  }

  /** One channel, {@code subscribers} on one transport; the publisher steps up its rate. */
  JsonObject fanout(int subscribers, Transport transport, int[] rates, int stepSeconds) throws Exception {
    Tally tally = new Tally();
    String channel = prefix + "fan" + subscribers + transport;
    List<Gateway.Client> clients = connect(subscribers, i -> List.of(channel), i -> transport, tally);
    Thread.sleep(1000);
    // a warm-up at the first rate, three steps long, not reported: JIT compilers (the JVM's, V8's)
    // settle first; Payara's paths are long enough that one step left the compiler busy for the next
    step(tally, List.of(channel), subscribers, rates[0], 3 * stepSeconds);
    JsonArrayBuilder steps = Json.createArrayBuilder();
    Integer sustainable = null;
    for (int rate : rates) {
      JsonObject step = step(tally, List.of(channel), subscribers, rate, stepSeconds);
      steps.add(step);
      if (!step.getBoolean("sustainable")) {
        break;
      }
      sustainable = rate;
    }
    clients.forEach(Gateway.Client::close);
    JsonObjectBuilder r =
        Json.createObjectBuilder().add("subscribers", subscribers).add("transport", transport.name().toLowerCase()).add("steps", steps);
    if (sustainable != null) {
      r.add("sustainableRate", sustainable).add("sustainableDeliveriesPerSecond", (long) sustainable * subscribers);
    }
    return r.build();
  }

  /** Messages to a publish request in the many-channels scenario. */
  static final int CHANNELS_BATCH = 100;

  /** Every connection on its own channel and a 10-member group channel; each channel gets messages. */
  JsonObject channels(int connections, int rounds) throws Exception {
    Tally tally = new Tally();
    List<Gateway.Client> clients =
        connect(connections, i -> List.of(prefix + "own" + i, prefix + "group" + (i / 10)), i -> transport(i), tally);
    Thread.sleep(1000);
    List<String> targets = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      targets.add(prefix + "own" + i);
    }
    for (int g = 0; g < connections / 10; g++) {
      targets.add(prefix + "group" + g);
    }
    // one round a second: each connection gets its own message and its group's; one warm-up round.
    // A backend notifying this many channels batches its publishes, as each gateway here allows.
    step(tally, targets, 0, targets.size(), 1, CHANNELS_BATCH);
    JsonObject step = step(tally, targets, 0, targets.size(), rounds, CHANNELS_BATCH);
    clients.forEach(Gateway.Client::close);
    return Json.createObjectBuilder().add("connections", connections).add("rounds", rounds).add("batch", CHANNELS_BATCH).add("result", step).build();
  }

  /** Subscribers on this gateway and on {@code other}; publishing here: the latency the broker adds. */
  JsonObject cross(Gateway other, int subscribers, int rate, int seconds) throws Exception {
    Tally local = new Tally();
    Tally remote = new Tally();
    String channel = prefix + "cross";
    List<Gateway.Client> clients = new ArrayList<>(connect(subscribers, i -> List.of(channel), i -> Transport.WS, local));
    clients.addAll(connectTo(other, subscribers, i -> List.of(channel), i -> Transport.WS, remote));
    Thread.sleep(1000);
    publishPaced(List.of(channel), rate, rate * seconds); // warm-up, not reported: three JVMs settle first
    await(remote, (long) rate * seconds * subscribers, 10_000);
    Thread.sleep(500);
    local.reset(Long.MAX_VALUE);
    remote.reset(Long.MAX_VALUE);
    int count = rate * seconds;
    publishPaced(List.of(channel), rate, count);
    boolean all = await(local, (long) count * subscribers, 10_000) & await(remote, (long) count * subscribers, 10_000);
    Histogram l = merged(local.halves());
    Histogram m = merged(remote.halves());
    clients.forEach(Gateway.Client::close);
    return Json.createObjectBuilder()
        .add("subscribersEach", subscribers)
        .add("rate", rate)
        .add("allDelivered", all)
        .add("local", percentiles(l))
        .add("remote", percentiles(m))
        .add("addedP50Millis", round((m.getValueAtPercentile(50) - l.getValueAtPercentile(50)) / 1000.0))
        .add("addedP99Millis", round((m.getValueAtPercentile(99) - l.getValueAtPercentile(99)) / 1000.0))
        .build();
  }

  /**
   * Publishes {@code rate} messages a second for {@code seconds} over {@code channels} (round
   * robin) and measures delivery. Expected deliveries: {@code perMessage} each, or for mixed
   * targets (perMessage 0) one per own channel and ten per group channel.
   */
  private JsonObject step(Tally tally, List<String> channels, int perMessage, int rate, int seconds) throws Exception {
    return step(tally, channels, perMessage, rate, seconds, 1);
  }

  /** As above, {@code batch} messages to a publish request. */
  private JsonObject step(Tally tally, List<String> channels, int perMessage, int rate, int seconds, int batch) throws Exception {
    int count = rate * seconds;
    long expected = perMessage > 0 ? (long) perMessage * count : expectedMixed(channels, count);
    tally.reset(seq.get() + count / 2 + 1);
    double cpu0 = probe.cpuSeconds();
    double jit0 = probe.jitCpuSeconds();
    double self0 = Probe.driverCpuSeconds();
    long t0 = System.nanoTime();
    long failures = publishPaced(channels, rate, count, batch);
    double publishSeconds = (System.nanoTime() - t0) / 1e9;
    // the gateway took the messages at the rate asked (its publish API can be the limit too)
    boolean paced = publishSeconds <= seconds * 1.1 + 0.5;
    boolean all = await(tally, expected, 10_000);
    double window = (System.nanoTime() - t0) / 1e9;
    double cpu = probe.cpuSeconds() - cpu0;
    double jit = probe.jitCpuSeconds() - jit0;
    double self = Probe.driverCpuSeconds() - self0;
    Histogram[] halves = tally.halves();
    Histogram both = merged(halves);
    long received = tally.received();
    // sustainable: everything arrived, and latency did not grow from the first half to the second
    boolean steady =
        halves[1].getValueAtPercentile(50) <= 1.5 * halves[0].getValueAtPercentile(50) + 2000;
    return Json.createObjectBuilder()
        .add("rate", rate)
        .add("published", count)
        .add("publishFailures", failures)
        .add("expected", expected)
        .add("delivered", received)
        .add("allDelivered", all && received == expected)
        .add("publishSeconds", round(publishSeconds))
        .add("sustainable", all && received == expected && failures == 0 && steady && paced)
        .add("deliveriesPerSecond", round(received / (double) seconds))
        .add("latency", percentiles(both))
        .add("gatewayCpuSeconds", round(cpu))
        .add("gatewayCpuMicrosPerDelivery", received == 0 ? 0 : round(cpu * 1e6 / received))
        .add("gatewayJitCpuSeconds", round(jit))
        .add("gatewayCpuMicrosPerDeliveryWithoutJit", received == 0 ? 0 : round((cpu - jit) * 1e6 / received))
        .add("driverCpuCores", round(self / window))
        .build();
  }

  private static long expectedMixed(List<String> channels, int count) {
    long expected = 0;
    for (int i = 0; i < count; i++) {
      expected += channels.get(i % channels.size()).contains("group") ? 10 : 1;
    }
    return expected;
  }

  private long publishPaced(List<String> channels, int rate, int count) throws Exception {
    return publishPaced(channels, rate, count, 1);
  }

  /** {@code count} messages at {@code rate} a second, {@code batch} to a request (1: one each). */
  private long publishPaced(List<String> channels, int rate, int count, int batch) throws Exception {
    AtomicLong failures = new AtomicLong();
    List<CompletableFuture<Void>> sends = new ArrayList<>(count);
    long periodNanos = 1_000_000_000L / rate;
    long start = System.nanoTime();
    for (int i = 0; i < count; i += batch) {
      long due = start + i * periodNanos;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      CompletableFuture<Void> send;
      if (batch == 1) {
        send = gateway.publish(channels.get(i % channels.size()), Tally.payload(seq.incrementAndGet()));
      } else {
        List<Gateway.Item> items = new ArrayList<>(batch);
        for (int j = i; j < Math.min(count, i + batch); j++) {
          items.add(new Gateway.Item(channels.get(j % channels.size()), Tally.payload(seq.incrementAndGet())));
        }
        send = gateway.publish(items);
      }
      sends.add(
          send
              .exceptionally(
                  failure -> {
                    failures.incrementAndGet();
                    return null;
                  }));
    }
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    return failures.get();
  }

  /** Half SSE, half WebSocket, where the gateway offers both. */
  private Transport transport(int i) {
    if (!gateway.offers(Transport.WS)) {
      return Transport.SSE;
    }
    return i % 2 == 0 && gateway.offers(Transport.SSE) ? Transport.SSE : Transport.WS;
  }

  private List<Gateway.Client> connect(int n, IntFunction<List<String>> channels, IntFunction<Transport> transport, Tally tally)
      throws Exception {
    return connectTo(gateway, n, channels, transport, tally);
  }

  private static List<Gateway.Client> connectTo(
      Gateway gateway, int n, IntFunction<List<String>> channels, IntFunction<Transport> transport, Tally tally) throws Exception {
    Semaphore inFlight = new Semaphore(CONNECTING);
    List<CompletableFuture<Gateway.Client>> opening = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      inFlight.acquire();
      String host = "127.0.0." + (1 + i / PER_ADDRESS);
      int index = i;
      opening.add(
          retrying(() -> gateway.connect(transport.apply(index), host, channels.apply(index), tally), 3)
              .whenComplete((c, e) -> inFlight.release()));
    }
    List<Gateway.Client> open = new ArrayList<>(n);
    try {
      CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      List<String> pending = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (!opening.get(i).isDone()) {
          pending.add(i + ":" + transport.apply(i));
        }
      }
      throw new IllegalStateException(gateway.name() + ": " + pending.size() + " of " + n + " connections not open within 60 s: " + pending, e);
    }
    for (CompletableFuture<Gateway.Client> c : opening) {
      open.add(c.join());
    }
    return open;
  }

  /** Connects attempts made again after a refusal, counted: clients such as EventSource retry too. */
  static final java.util.concurrent.atomic.AtomicLong RETRIES = new java.util.concurrent.atomic.AtomicLong();

  private static CompletableFuture<Gateway.Client> retrying(java.util.function.Supplier<CompletableFuture<Gateway.Client>> connect, int left) {
    return connect
        .get()
        .handle((client, failure) -> {
          if (failure == null) {
            return CompletableFuture.completedFuture(client);
          }
          if (left == 0) {
            return CompletableFuture.<Gateway.Client>failedFuture(failure);
          }
          RETRIES.incrementAndGet();
          return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS))
              .thenCompose(ignored -> retrying(connect, left - 1));
        })
        .thenCompose(f -> f);
  }

  private static boolean await(Tally tally, long expected, long graceMillis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + graceMillis;
    while (tally.received() < expected && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    return tally.received() >= expected;
  }

  static Histogram merged(Histogram[] halves) {
    Histogram both = halves[0].copy();
    both.add(halves[1]);
    return both;
  }

  static JsonObject percentiles(Histogram h) {
    return Json.createObjectBuilder()
        .add("p50Millis", round(h.getValueAtPercentile(50) / 1000.0))
        .add("p99Millis", round(h.getValueAtPercentile(99) / 1000.0))
        .add("p999Millis", round(h.getValueAtPercentile(99.9) / 1000.0))
        .add("maxMillis", round(h.getMaxValue() / 1000.0))
        .add("samples", h.getTotalCount())
        .build();
  }

  static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

}
