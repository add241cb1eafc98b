package io.herald.chaos;

import io.herald.client.Browser;
import io.herald.testing.ArtemisBroker;
import io.herald.testing.Cluster;
import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.TcpProxy;
import io.herald.testing.Tokens;
import jakarta.json.Json;
import jakarta.json.JsonObject;
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
 * batch, JMS Core and AMQP producers, a page over WebSocket), clients over WebSocket, SSE and
 * long-polling, and faults at seeded random moments: clients cut (abruptly or cleanly) who come back anywhere over any
 * transport, an instance killed with {@code kill -9} and started again, the broker restarted, and
 * the network between them ({@link Network}): an instance's client connections reset at once or
 * slowed, its broker connections reset (and refused for a few seconds) or slowed.
 * Everything random comes from the seed; the report says what was lost, doubled, reordered, which
 * gaps were owed to a real gap in history, and how long each kind of fault took to recover from.
 */
final class Chaos {
  /**
   * A live instance, when it became ready (what its history can cover starts about then), and the
   * proxy in front of it that clients go through (none: they reach it directly).
   */
  record Instance(String name, PayaraProcess process, long startedAtMillis, TcpProxy front) {
    Instance(String name, PayaraProcess process, long startedAtMillis) {
      this(name, process, startedAtMillis, null);
    }

    Server server() {
      return front == null ? process.server() : Server.at(front.port());
    }
  }

  private final long seed;
  private final int seconds;
  private final int clientCount;
  private final int pageCount;
  /** The pages' own choices: a run makes the same protocol-client choices with or without Chromium. */
  private final Random pageRandom;
  private BrowserPages pages;
  private final String runId;
  private final Random random;
  private final List<Instance> live = new CopyOnWriteArrayList<>();
  private final List<PayaraProcess> launched = new ArrayList<>();
  /** When each instance started again became live: a history begins about then (pages' gaps are judged by it). */
  private final List<Long> restartedAt = new CopyOnWriteArrayList<>();
  private final Map<String, List<Long>> recoveries = new TreeMap<>();
  private final Map<String, Integer> faults = new TreeMap<>();
  private final List<String> notes = Collections.synchronizedList(new ArrayList<>());
  private Cluster cluster;
  private final Network network = new Network();
  /** How long a restarted instance may take to start: the run keeps the machine busy meanwhile. */
  private static final java.time.Duration STARTUP = java.time.Duration.ofMinutes(4);
  private volatile boolean publishingStopped;
  private volatile boolean stopping;
  /** An instance being started in place of a killed one, or null. */
  private volatile Thread starting;
  private volatile boolean launching;
  private int instancesLaunched;
  private volatile int notReady;
  private final long began = System.nanoTime();

  Chaos(long seed, int seconds, int clients, int pages) {
    this.seed = seed;
    this.seconds = seconds;
    this.clientCount = clients;
    this.pageCount = pages;
    this.pageRandom = new Random(~seed);
    this.runId = Long.toHexString(seed);
    this.random = new Random(seed);
  }

  JsonObject run() throws Exception {
    try (network) {
      cluster = Cluster.start(Map.of("HERALD_NAMESPACE_CHAT_PRESENCE", "false", "HERALD_NAMESPACE_DOCS_PRESENCE", "false",
          // every client comes from loopback: one address stands for many, and a poll session left
          // counts until it times out (a default of 100 refused most connections of 120 clients)
          "HERALD_LIMITS_CONNECTIONS_PER_IP", String.valueOf(10 * clientCount + 100)), Boolean.getBoolean("chaos.directBroker") ? (n, b) -> b.url() : network::brokerUrl);
      try {
        live.add(new Instance("a", cluster.a, System.currentTimeMillis(), network.front("a", cluster.a.server().port())));
        live.add(new Instance("b", cluster.b, System.currentTimeMillis(), network.front("b", cluster.b.server().port())));
        return chaos();
      } finally {
        stopping = true;
        if (pages != null) {
          pages.close();
        }
        for (PayaraProcess p : launched) {
          p.close();
        }
        cluster.close();
      }
    }
  }

  private JsonObject chaos() throws Exception {
    String publisherToken = Tokens.publisher("chaos-publisher");
    // a page may publish where its token's herald_publish grant allows (jobs: nowhere by default)
    String socketPublisherToken = Tokens.forUser("chaos-page").publishGrant("jobs.*").sign();
    List<Publisher> publishers = new ArrayList<>();
    Publisher.Source[] sources = Publisher.Source.values();
    for (int i = 0; i < sources.length + 1; i++) {
      Publisher.Source source = sources[i % sources.length]; // HTTP twice
      String token = source == Publisher.Source.WEBSOCKET ? socketPublisherToken : publisherToken;
      publishers.add(new Publisher("jobs.chaos" + runId + "-" + i, source, this, token, random.nextLong(), 100));
    }
    List<ChaosClient> clients = new ArrayList<>();
    for (int i = 0; i < clientCount; i++) {
      String channel = publishers.get(i % publishers.size()).channel;
      clients.add(new ChaosClient(i, channel, Tokens.subscriber("chaos-" + i), this, random.nextLong()));
    }
    if (pageCount > 0 && Browser.installed()) {
      List<String> channels = publishers.stream().map(p -> p.channel).toList();
      pages = BrowserPages.open(channels, pageCount, live.get(0).front().port(), live.get(1).front().port());
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
      if (threadDumps < 3 && clients.stream().anyMatch(c -> c.recoveringNanos() > TimeUnit.SECONDS.toNanos(10))) {
        dumpThreads(); // what the instances were doing while a client waited that long, for the report's reader
      }
      double at = (System.nanoTime() - start) / (double) (end - start);
      int roll = random.nextInt(16);
      // each kind at least once: the broker early (it waits for no start-up), a kill by mid-run
      if ((roll == 0 || (!killed && at > 0.45)) && !launching && live.size() > 1) {
        killInstance(clients);
        killed = true;
      } else if (((roll == 1 || (!brokerRestarted && at > 0.2)) && !launching) || (!brokerRestarted && at > 0.8)) {
        restartBroker(clients);
        brokerRestarted = true;
      } else if (roll == 2 || due("proxy_cut", at, 0.3)) { // the network's kinds are due before the kill
        cutClientsOfAnInstance(clients);
      } else if (roll == 3 || due("client_latency", at, 0.1)) {
        slow("client_latency", "clients", 100, 400, network::slowClients);
      } else if (roll == 4 || due("broker_link_cut", at, 0.2)) {
        cutBrokerLink(clients);
      } else if (roll == 5 || due("broker_link_latency", at, 0.38)) {
        slow("broker_link_latency", "broker link", 50, 250, network::slowBrokerLink);
      } else {
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
          boolean clean = random.nextBoolean();
          fault(clean ? "client_close" : "client_reset");
          clients.get(random.nextInt(clients.size())).cut(clean, clean ? "client_close" : "client_reset");
        }
        if (pages != null && pageRandom.nextInt(3) == 0) {
          fault(pages.fault(pageRandom));
        }
      }
    }
    Thread waiting = starting;
    if (waiting != null) {
      waiting.join(STARTUP.plusMinutes(1).toMillis());
    }
    network.heal(); // the run settles on a sound network
    publishingStopped = true;
    for (Thread t : threads.subList(clients.size(), threads.size())) {
      t.join(TimeUnit.SECONDS.toMillis(60));
    }
    // everything accepted is owed to every subscriber of its channel: wait for it to arrive
    long settleUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < settleUntil
        && !(clients.stream().allMatch(c -> c.has(last(publishers, c.channel))) && (pages == null || pages.haveAll(ch -> last(publishers, ch))))) {
      Thread.sleep(200);
    }
    stopping = true;
    clients.forEach(ChaosClient::stop);
    for (Thread t : threads.subList(0, clients.size())) {
      t.join(5000);
    }
    JsonObject browser = pages == null
        ? Json.createObjectBuilder().add("pages", 0).add("why", pageCount == 0 ? "none asked for" : "Chromium is not installed").build()
        : pages.report(ch -> last(publishers, ch), lastEventAt -> restartedAt.stream().anyMatch(t -> t > lastEventAt - 1000));
    return Json.createObjectBuilder(report(publishers, clients)).add("browser", browser).build();
  }

  /** How many events the channel's publisher had accepted. */
  static int last(List<Publisher> publishers, String channel) {
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
        // on a machine saturated by the run, a start took 70-116 s, once over the usual 2 minutes
        p.awaitReady(STARTUP);
        Cluster.awaitReadiness(p.server(), 200);
        long now = System.currentTimeMillis();
        restartedAt.add(now);
        live.add(new Instance(name, p, now, network.front(name, p.server().port())));
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

  /** Slows the clients or the broker link of a live instance, by a random delay for 2-8 s. */
  private void slow(String kind, String what, int minMillis, int spreadMillis, Slower slower) {
    Instance slow = anyLive(random);
    fault(kind);
    int millis = minMillis + random.nextInt(spreadMillis);
    int during = 2000 + random.nextInt(6000);
    note(clock() + " " + slow.name() + "'s " + what + " slowed by " + millis + " ms for " + during + " ms");
    slower.slow(slow.name(), millis, during);
  }

  /** One of {@link Network}'s slowdowns. */
  private interface Slower {
    void slow(String instance, long millis, long forMillis);
  }

  /** Resets every client connection of a live instance at once, as a load balancer's restart does. */
  private void cutClientsOfAnInstance(List<ChaosClient> clients) {
    Instance at = anyLive(random);
    fault("proxy_cut");
    for (ChaosClient c : clients) {
      if (at.name().equals(c.instanceOf())) {
        c.expectRecovery("proxy_cut");
      }
    }
    note(clock() + " reset " + network.cutClients(at.name()) + " sockets of " + at.name() + "'s clients");
  }

  /**
   * Cuts a live instance off the broker for one to four seconds: its connections reset, new ones
   * refused; its clients stay, and are recovering until their next event.
   */
  private void cutBrokerLink(List<ChaosClient> clients) {
    Instance at = anyLive(random);
    fault("broker_link_cut");
    long now = System.nanoTime();
    for (ChaosClient c : clients) {
      if (at.name().equals(c.instanceOf())) {
        c.expectRecovery("broker_link_cut", now);
      }
    }
    long down = 1000 + random.nextInt(3000);
    note(clock() + " " + at.name() + " cut off the broker for " + down + " ms");
    network.cutBrokerLink(at.name(), down);
  }

  private int threadDumps;

  /** Each live instance's threads now, to target/chaos/threads-<run>-<n>-<instance>.txt. */
  private void dumpThreads() {
    threadDumps++;
    for (Instance i : live) {
      java.nio.file.Path file = java.nio.file.Path.of("target", "chaos", "threads-" + runId + "-" + threadDumps + "-" + i.name() + ".txt");
      try {
        i.process().dumpThreads(file);
        note(clock() + " a client has waited over 10 s for an event: threads of " + i.name() + " in " + file);
      } catch (java.io.UncheckedIOException e) {
        note(clock() + " no thread dump of " + i.name() + ": " + e);
      }
    }
  }

  /** A kind of fault that has not happened yet, once the run is {@code when} through: so every kind happens. */
  private synchronized boolean due(String kind, double at, double when) {
    return at > when && !faults.containsKey(kind);
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
    return ChaosReport.of(seed, seconds, instancesLaunched, notReady, faults, recoveries, publishers, clients, this::note, () -> List.copyOf(notes));
  }
}
