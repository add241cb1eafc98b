package io.herald.chaos;

import io.herald.testing.ArtemisBroker;
import io.herald.testing.Cluster;
import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.Tokens;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A chaos run: a cluster (one Artemis broker, two Herald instances), a publisher per channel (HTTP,
 * batch, JMS Core and AMQP producers), clients over WebSocket, SSE and long-polling, and faults at
 * seeded random moments: clients cut (abruptly or cleanly) who come back anywhere over any
 * transport, an instance killed with {@code kill -9} and started again, the broker restarted.
 * Everything random comes from the seed; the report says what was lost, doubled, reordered, which
 * gaps were owed to a real gap in history, and how long each kind of fault took to recover from.
 */
final class Chaos {
  /** A live instance, and when it became ready (what its history can cover starts about then). */
  record Instance(String name, PayaraProcess process, long startedAtMillis) {
    Server server() {
      return process.server();
    }
  }

  private final long seed;
  private final int seconds;
  private final int clientCount;
  private final String runId;
  private final Random random;
  private final List<Instance> live = new CopyOnWriteArrayList<>();
  private final List<PayaraProcess> launched = new ArrayList<>();
  private final Map<String, List<Long>> recoveries = new TreeMap<>();
  private final Map<String, Integer> faults = new TreeMap<>();
  private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
  private Cluster cluster;
  private volatile boolean publishingStopped;
  private volatile boolean stopping;
  /** An instance being started in place of a killed one, or null. */
  private volatile Thread starting;
  private volatile boolean launching;
  private int instancesLaunched;
  private volatile int notReady;
  private final long began = System.nanoTime();

  Chaos(long seed, int seconds, int clients) {
    this.seed = seed;
    this.seconds = seconds;
    this.clientCount = clients;
    this.runId = Long.toHexString(seed);
    this.random = new Random(seed);
  }

  JsonObject run() throws Exception {
    cluster = Cluster.start(Map.of("HERALD_NAMESPACE_CHAT_PRESENCE", "false", "HERALD_NAMESPACE_DOCS_PRESENCE", "false",
        // every client comes from loopback: one address stands for many, and a poll session left
        // counts until it times out (a default of 100 refused most connections of 120 clients)
        "HERALD_LIMITS_CONNECTIONS_PER_IP", String.valueOf(10 * clientCount + 100)));
    try {
      live.add(new Instance("a", cluster.a, System.currentTimeMillis()));
      live.add(new Instance("b", cluster.b, System.currentTimeMillis()));
      return chaos();
    } finally {
      stopping = true;
      for (PayaraProcess p : launched) {
        p.close();
      }
      cluster.close();
    }
  }

  private JsonObject chaos() throws Exception {
    String publisherToken = Tokens.publisher("chaos-publisher");
    List<Publisher> publishers = new ArrayList<>();
    Publisher.Source[] sources = Publisher.Source.values();
    for (int i = 0; i < sources.length + 1; i++) {
      Publisher.Source source = sources[i % sources.length]; // HTTP twice
      publishers.add(new Publisher("jobs.chaos" + runId + "-" + i, source, this, publisherToken, random.nextLong(), 100));
    }
    List<ChaosClient> clients = new ArrayList<>();
    for (int i = 0; i < clientCount; i++) {
      String channel = publishers.get(i % publishers.size()).channel;
      clients.add(new ChaosClient(i, channel, Tokens.subscriber("chaos-" + i), this, random.nextLong()));
    }
    List<Thread> threads = new ArrayList<>();
    clients.forEach(c -> threads.add(daemon("chaos-client-" + c.index, c)));
    Thread.sleep(2000); // subscribed before the first event
    publishers.forEach(p -> threads.add(daemon("chaos-publisher-" + p.channel, p)));

    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    boolean killed = false;
    boolean brokerRestarted = false;
    while (System.nanoTime() < end) {
      Thread.sleep(1500 + random.nextInt(2500));
      double at = (System.nanoTime() - start) / (double) (end - start);
      int roll = random.nextInt(8);
      // each kind at least once: the broker early (it waits for no start-up), a kill by mid-run
      if ((roll == 0 || (!killed && at > 0.45)) && !launching && live.size() > 1) {
        killInstance(clients);
        killed = true;
      } else if (((roll == 1 || (!brokerRestarted && at > 0.2)) && !launching) || (!brokerRestarted && at > 0.8)) {
        restartBroker(clients);
        brokerRestarted = true;
      } else {
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
          boolean clean = random.nextBoolean();
          fault(clean ? "client_close" : "client_reset");
          clients.get(random.nextInt(clients.size())).cut(clean, clean ? "client_close" : "client_reset");
        }
      }
    }
    Thread waiting = starting;
    if (waiting != null) {
      waiting.join(TimeUnit.MINUTES.toMillis(3));
    }
    publishingStopped = true;
    for (Thread t : threads.subList(clients.size(), threads.size())) {
      t.join(TimeUnit.SECONDS.toMillis(60));
    }
    // everything accepted is owed to every subscriber of its channel: wait for it to arrive
    long settleUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < settleUntil && !clients.stream().allMatch(c -> c.has(last(publishers, c.channel)))) {
      Thread.sleep(200);
    }
    stopping = true;
    clients.forEach(ChaosClient::stop);
    for (Thread t : threads.subList(0, clients.size())) {
      t.join(5000);
    }
    return report(publishers, clients);
  }

  private static int last(List<Publisher> publishers, String channel) {
    return publishers.stream().filter(p -> p.channel.equals(channel)).findFirst().orElseThrow().accepted.get();
  }

  /** kill -9 of a random live instance (never the last), then started again. */
  private void killInstance(List<ChaosClient> clients) throws InterruptedException {
    Instance victim = live.get(random.nextInt(live.size()));
    live.remove(victim); // no new link goes there
    fault("instance_kill");
    note(clock() + " kill -9 of " + victim.name());
    for (ChaosClient c : clients) {
      if (victim.name().equals(c.instanceOf())) {
        c.expectRecovery("instance_kill");
      }
    }
    victim.process().kill();
    // started again under its own id, as an orchestrator restarts a crashed instance: its
    // durable subscription kept what was published meanwhile
    String name = victim.name();
    instancesLaunched++;
    launching = true;
    starting = daemon("chaos-launch-" + name, () -> {
      try {
        PayaraProcess p = cluster.launch(name);
        synchronized (launched) {
          launched.add(p);
        }
        p.awaitReady();
        Cluster.awaitReadiness(p.server(), 200);
        live.add(new Instance(name, p, System.currentTimeMillis()));
        note(clock() + " " + name + " ready");
      } catch (Exception | AssertionError e) {
        notReady++;
        note(clock() + " instance " + name + " did not become ready: " + e.getMessage());
      } finally {
        launching = false;
      }
    });
  }

  /** Stops the broker for one to four seconds; every client is recovering until its next event. */
  private void restartBroker(List<ChaosClient> clients) throws Exception {
    fault("broker_restart");
    note(clock() + " broker stopped");
    long stoppedAt = System.nanoTime();
    cluster.broker.stop();
    Thread.sleep(1000 + random.nextInt(3000));
    cluster.broker.start();
    note(clock() + " broker started");
    // recovered: the first event after the broker is back (those on their way before it stopped still came)
    clients.forEach(c -> c.expectRecovery("broker_restart", stoppedAt));
  }

  static Thread daemon(String name, Runnable task) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private synchronized void fault(String kind) {
    faults.merge(kind, 1, Integer::sum);
  }

  synchronized void recovered(String kind, long nanos) {
    recoveries.computeIfAbsent(kind, k -> new ArrayList<>()).add(nanos / 1_000_000);
  }

  private final java.util.concurrent.atomic.AtomicInteger slowNotes = new java.util.concurrent.atomic.AtomicInteger();

  /** Whether one more slow recovery may be noted (they must not crowd out the rest). */
  boolean slowNote() {
    return slowNotes.incrementAndGet() <= 10;
  }

  void note(String what) {
    if (notes.size() < 100) {
      notes.add(what);
    }
  }

  boolean isLive(Instance instance) {
    return live.contains(instance);
  }

  /** Seconds since the run began, for the notes. */
  String clock() {
    return String.format("%6.1fs", (System.nanoTime() - began) / 1e9);
  }

  Instance anyLive(Random r) {
    List<Instance> now = List.copyOf(live);
    return now.isEmpty() ? null : now.get(r.nextInt(now.size()));
  }

  ArtemisBroker broker() {
    return cluster.broker;
  }

  String runId() {
    return runId;
  }

  boolean stopping() {
    return stopping;
  }

  boolean publishingStopped() {
    return publishingStopped || stopping;
  }

  private synchronized JsonObject report(List<Publisher> publishers, List<ChaosClient> clients) {
    JsonObjectBuilder published = Json.createObjectBuilder();
    long retries = 0;
    for (Publisher p : publishers) {
      published.add(p.channel, Json.createObjectBuilder().add("source", p.source.name()).add("accepted", p.accepted.get()).add("retries", p.retries.get()));
      retries += p.retries.get();
    }
    long lost = 0;
    long doubled = 0;
    long reordered = 0;
    long gapsWithinWindow = 0;
    long legitimateGaps = 0;
    long stale = 0;
    long links = 0;
    long emptyLinks = 0;
    java.util.Map<String, Long> why = new java.util.TreeMap<>();
    for (ChaosClient c : clients) {
      c.emptyLinkReasons.forEach((reason, n) -> why.merge(reason, n, Long::sum));
      long l = c.lost(last(publishers, c.channel));
      if (l > 0) {
        note("client " + c.index + " lacks " + l + " events of " + c.channel);
      }
      lost += l;
      doubled += c.doubled;
      reordered += c.reordered;
      gapsWithinWindow += c.gapsWithinWindow;
      legitimateGaps += c.legitimateGaps;
      stale += c.staleLinks;
      links += c.links;
      emptyLinks += c.emptyLinks;
    }
    JsonObjectBuilder recovery = Json.createObjectBuilder();
    recoveries.forEach((kind, millis) -> {
      List<Long> sorted = millis.stream().sorted().toList();
      recovery.add(kind, Json.createObjectBuilder()
          .add("samples", sorted.size())
          .add("p50Millis", sorted.get(sorted.size() / 2))
          .add("p99Millis", sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)))
          .add("maxMillis", sorted.get(sorted.size() - 1)));
    });
    JsonObjectBuilder emptyWhy = Json.createObjectBuilder();
    why.forEach(emptyWhy::add);
    JsonObjectBuilder faultCounts = Json.createObjectBuilder();
    faults.forEach(faultCounts::add);
    return Json.createObjectBuilder()
        .add("seed", seed)
        .add("seconds", seconds)
        .add("clients", clients.size())
        .add("faults", faultCounts)
        .add("instanceRestarts", instancesLaunched)
        .add("instancesNotReady", notReady)
        .add("published", published)
        .add("publishRetries", retries)
        .add("lost", lost)
        .add("doubled", doubled)
        .add("reordered", reordered)
        .add("gapsWithinWindow", gapsWithinWindow)
        .add("gapsBeyondHistory", legitimateGaps)
        .add("staleLinks", stale)
        .add("links", links)
        .add("linksEndedBeforeAFrame", emptyLinks)
        .add("linksEndedBeforeAFrameWhy", emptyWhy)
        .add("recovery", recovery)
        .add("notes", Json.createArrayBuilder(List.copyOf(notes)))
        .build();
  }
}
