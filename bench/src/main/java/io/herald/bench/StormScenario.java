package io.herald.bench;

import io.herald.bench.Gateway.Transport;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.IntStream;
import org.HdrHistogram.Histogram;

/**
 * Issue 18's reconnect storm: {@code clients} subscribers (half SSE, half WebSocket, each its own
 * user and token) on instance A, spread over up to {@link #MAX_CHANNELS} channels that get events published
 * on instance B throughout. A is killed ({@code kill -9}); every client notices, waits its backoff
 * (herald.js's: full jitter from 500 ms) and reconnects to B with its last event id as the
 * position. Reports how long until every client is resubscribed and until every client has every
 * event published before its return (missed ones come by recovery), how many events any client
 * lacks at the end, and the latency of B's own subscribers before and during the storm.
 *
 * <p>Without an A to kill (one instance, the smoke run in CI), the driver cuts the clients'
 * connections itself and they come back to the same instance: the same code, no crash.
 */
final class StormScenario {
  /** At most this many channels for the storm clients (a client is on one): 100 per channel at 10,000. */
  static final int MAX_CHANNELS = 100;
  /** B's own subscribers, whose latency shows what the storm does to everyone else: 100 at 10,000. */
  private static final int MAX_BYSTANDERS = 100;
  private static final int BYSTANDER_RATE = 20;

  final Clients clients;
  private final Gateway b;
  final int portA;
  final int portB;
  final String base;
  private final Long killPid;
  final String prefix;
  /** The publishers' clock, apart from the reconnects': 10,000 opens in a moment must not hold up publishing. */
  private final ScheduledExecutorService publishing = Executors.newSingleThreadScheduledExecutor(Clients.daemon("storm-publish"));
  final ScheduledExecutorService reconnects = Executors.newSingleThreadScheduledExecutor(Clients.daemon("storm-reconnect"));
  final AtomicLong retries = new AtomicLong();
  private final AtomicLong publishFailures = new AtomicLong();
  private final java.util.Queue<String> failureSamples = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.Set<CompletableFuture<Void>> inFlightPublishes = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** A connection that ends from now on goes to B; once stopping, nothing reconnects. */
  volatile boolean storming;
  volatile boolean stopping;
  /** When each channel's n-th event was accepted by B (nanoTime), 0 until then. */
  private final AtomicLongArray[] accepted;
  private final AtomicLong[] publishedPerChannel;
  final int channels;

  /**
   * @param b where the clients go, and where every event is published (A is killed)
   * @param killPid A's process, or null: the driver cuts the connections itself (one instance)
   * @param maxEventsPerChannel what the run can publish to a channel (the clients' record of arrivals is this long)
   */
  StormScenario(Clients clients, Gateway b, int portA, int portB, String base, Long killPid, String runId, int clientCount, int maxEventsPerChannel) {
    this.clients = clients;
    this.b = b;
    this.portA = portA;
    this.portB = portB;
    this.base = base.endsWith("/") ? base : base + "/";
    this.killPid = killPid;
    this.prefix = "bench.storm" + runId + "-";
    this.channels = Math.max(1, Math.min(MAX_CHANNELS, clientCount / 100));
    this.accepted = new AtomicLongArray[channels];
    this.publishedPerChannel = new AtomicLong[channels];
    for (int c = 0; c < channels; c++) {
      accepted[c] = new AtomicLongArray(maxEventsPerChannel);
      publishedPerChannel[c] = new AtomicLong();
    }
  }

  /**
   * @param rate storm events a second, published on B over the channels, before and during the storm
   * @param warmSeconds how long events flow before the kill, so that every client holds an event id to resume from
   */
  JsonObject run(int n, int rate, int warmSeconds) throws Exception {
    int capacity = accepted[0].length();
    // distinct users with their own tokens: a storm of one shared token would flatter the token cache
    StormClient[] made = new StormClient[n];
    IntStream.range(0, n).parallel().forEach(i -> made[i] = new StormClient(this, i, capacity));
    List<StormClient> storm = Arrays.asList(made);
    Semaphore inFlight = new Semaphore(200);
    List<CompletableFuture<Void>> opening = new ArrayList<>();
    for (StormClient c : storm) {
      if (!inFlight.tryAcquire(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("connects to A stalled");
      }
      opening.add(c.open(false, 0).whenComplete((v, e) -> inFlight.release()));
    }
    CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);

    // B's own subscribers, and their own events, throughout
    String bystanderChannel = prefix + "bystanders";
    Tally bystanders = new Tally();
    List<CompletableFuture<Gateway.Client>> own = new ArrayList<>();
    int bystanderCount = Math.max(2, Math.min(MAX_BYSTANDERS, n / 100));
    for (int i = 0; i < bystanderCount; i++) {
      own.add(b.connect(Transport.WS, "127.0.0.1", List.of(bystanderChannel), bystanders));
    }
    CompletableFuture.allOf(own.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    AtomicLong stormSeq = new AtomicLong();
    AtomicLong ownSeq = new AtomicLong();
    java.util.concurrent.ScheduledFuture<?> stormPublisher =
        publishing.scheduleAtFixedRate(() -> publishStormEvent(stormSeq), 0, 1_000_000_000L / rate, TimeUnit.NANOSECONDS);
    java.util.concurrent.ScheduledFuture<?> ownPublisher =
        publishing.scheduleAtFixedRate(
            () -> track(b.publish(bystanderChannel, Tally.payload(ownSeq.incrementAndGet())), () -> {}),
            0, 1_000_000_000L / BYSTANDER_RATE, TimeUnit.NANOSECONDS);
    Thread.sleep(warmSeconds * 500L);
    bystanders.reset(Long.MAX_VALUE); // their latency before the storm: the second half of the warm-up
    Thread.sleep(warmSeconds * 500L);
    Histogram before = Scenarios.merged(bystanders.halves());
    long withoutPosition = storm.stream().filter(c -> c.lastId == null).count();

    storming = true;
    // herald.js's liveness watch, over every client from one clock: a client on a connection that
    // went quiet (whatever the socket says) leaves it and resumes, as a browser would
    AtomicLong stale = new AtomicLong();
    reconnects.scheduleWithFixedDelay(
        () -> {
          long now = System.nanoTime();
          for (StormClient c : storm) {
            if (!stopping && c.watch(now)) {
              stale.incrementAndGet();
            }
          }
        },
        5, 5, TimeUnit.SECONDS);
    long killAt = System.nanoTime();
    bystanders.reset(Long.MAX_VALUE);
    boolean killed = false;
    if (killPid != null) {
      ProcessHandle a = ProcessHandle.of(killPid).orElseThrow(() -> new IllegalStateException("no process " + killPid + " to kill"));
      killed = a.destroyForcibly(); // SIGKILL: no goodbye to anyone
      a.onExit().get(10, TimeUnit.SECONDS);
    } else {
      for (StormClient c : storm) {
        c.cut();
        c.reconnect(0);
      }
    }
    long deadline = killAt + TimeUnit.SECONDS.toNanos(120);
    while (storm.stream().anyMatch(c -> c.resubscribedAt == 0) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    Thread.sleep(3000); // live events flow to the returned clients for a while
    stormPublisher.cancel(false);
    Histogram during = Scenarios.merged(bystanders.halves()); // from the kill until everyone is back, and 3 s more
    ownPublisher.cancel(false);
    // every event accepted must reach every client of its channel: first the last answers to the publisher
    long unanswered = 0;
    try {
      CompletableFuture.allOf(inFlightPublishes.stream().map(p -> p.exceptionally(failure -> null)).toArray(CompletableFuture[]::new))
          .get(60, TimeUnit.SECONDS); // a failed one is counted in track()
    } catch (java.util.concurrent.TimeoutException stillWaiting) {
      unanswered = inFlightPublishes.size(); // never accepted, so never owed to anyone
    }
    // a connection the server holds but no longer serves is noticed by its liveness checks (SSE
    // write stall 30 s, WebSocket pongs 50 s) and resumes: two minutes covers both
    long missing;
    long missingAfterPublishing = missing(storm);
    long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while ((missing = missing(storm)) > 0 && System.nanoTime() < waitUntil) {
      Thread.sleep(500);
    }
    long noneMissingAt = System.nanoTime();

    // caught up: it has every event B accepted before it was back (what came later is live); a
    // client missing one of those never caught up
    Histogram caughtUp = new Histogram(3);
    Histogram back = new Histogram(3);
    long lastCaughtUp = 0;
    long lastBack = 0;
    long notCaughtUp = 0;
    for (StormClient c : storm) {
      if (c.resubscribedAt == 0) {
        notCaughtUp++;
        continue;
      }
      back.recordValue(Math.max(0, (c.resubscribedAt - killAt) / 1000));
      lastBack = Math.max(lastBack, c.resubscribedAt);
      long at = c.resubscribedAt;
      int ch = c.channelIndex();
      boolean complete = true;
      for (int k = 0; k < publishedPerChannel[ch].get(); k++) {
        long acceptedAt = accepted[ch].get(k);
        if (acceptedAt != 0 && acceptedAt <= c.resubscribedAt) {
          complete &= c.arrivals.get(k) != 0;
          at = Math.max(at, c.arrivals.get(k));
        }
      }
      if (!complete) {
        notCaughtUp++;
        continue;
      }
      caughtUp.recordValue(Math.max(0, (at - killAt) / 1000));
      lastCaughtUp = Math.max(lastCaughtUp, at);
    }
    // what is missing: whole events (every client of a channel) or single clients' streams
    java.util.Set<String> eventsLacking = new java.util.HashSet<>();
    java.util.Map<String, Integer> clientsLacking = new java.util.TreeMap<>();
    List<StormClient> lacking = new ArrayList<>();
    for (StormClient c : storm) {
      int ch = c.channelIndex();
      boolean lacks = false;
      for (int k = 0; k < publishedPerChannel[ch].get(); k++) {
        if (accepted[ch].get(k) != 0 && c.arrivals.get(k) == 0) {
          eventsLacking.add(ch + ":" + k);
          lacks = true;
        }
      }
      if (lacks) {
        clientsLacking.merge(c.transport.name().toLowerCase(), 1, Integer::sum);
        lacking.add(c);
      }
    }
    // are the lacking ones still there? A WebSocket that answers a ping is read by both sides
    long now = System.nanoTime();
    Histogram quietFor = new Histogram(3);
    for (StormClient c : lacking) {
      quietFor.recordValue(Math.max(0, (now - c.lastFrameAt) / 1000));
      if (c.socket != null) {
        c.socket.sendText("{\"type\":\"ping\",\"id\":\"diag\"}", true);
      }
    }
    Thread.sleep(5000);
    long answered = lacking.stream().filter(c -> c.ponged).count();
    List<String> instanceB = metricsOf(portB); // before the driver's own closes below
    JsonObject diagnosis = StormDiagnosis.of(this, lacking, killAt);
    stopping = true;
    storm.forEach(StormClient::cut);
    own.forEach(f -> f.join().close());
    reconnects.shutdownNow();
    publishing.shutdownNow();
    long resubscribed = storm.stream().filter(c -> c.resubscribedAt != 0).count();
    long events = IntStream.range(0, channels).mapToLong(ch -> IntStream.range(0, (int) publishedPerChannel[ch].get()).filter(k -> accepted[ch].get(k) != 0).count()).sum();
    long gaps = storm.stream().filter(c -> c.gap).count();
    return Json.createObjectBuilder()
        .add("clients", n)
        .add("channels", channels)
        .add("killed", killed)
        .add("rate", rate)
        .add("events", events)
        .add("publishFailures", publishFailures.get())
        .add("publishesUnanswered", unanswered)
        .add("publishFailureSamples", Json.createArrayBuilder(List.copyOf(failureSamples)))
        .add("clientsWithoutPositionAtKill", withoutPosition)
        .add("resubscribed", resubscribed)
        .add("secondsUntilAllResubscribed", resubscribed < n ? -1 : Scenarios.round((lastBack - killAt) / 1e9))
        .add("secondsUntilAllCaughtUp", notCaughtUp > 0 ? -1 : Scenarios.round((lastCaughtUp - killAt) / 1e9))
        .add("resubscribedAfter", Scenarios.percentiles(back))
        .add("caughtUpAfter", Scenarios.percentiles(caughtUp))
        .add("clientsNotCaughtUp", notCaughtUp)
        .add("eventsMissing", missing)
        .add("eventsMissingWhenPublishingStopped", missingAfterPublishing)
        .add("secondsUntilNoneMissing", missing > 0 ? -1 : Scenarios.round((noneMissingAt - killAt) / 1e9))
        .add("distinctEventsMissing", eventsLacking.size())
        .add("clientsMissingEvents", Json.createObjectBuilder(new java.util.HashMap<String, Object>(clientsLacking)))
        .add("lackingClientsAnsweringPing", answered)
        .add("lackingClientsQuietForMillis", Scenarios.percentiles(quietFor))
        .add("instanceBMetrics", Json.createArrayBuilder(instanceB))
        .add("diagnosis", diagnosis)
        .add("duplicates", storm.stream().mapToLong(c -> c.duplicates.get()).sum())
        .add("gaps", gaps)
        .add("reconnectRetries", retries.get())
        .add("staleReconnects", stale.get())
        .add("allRecovered", events > 0 && withoutPosition == 0 && missing == 0 && notCaughtUp == 0 && gaps == 0)
        .add("bystandersBefore", Scenarios.percentiles(before))
        .add("bystandersDuringStorm", Scenarios.percentiles(during))
        .build();
  }

  /** The next storm event, round robin over the channels; {@link #accepted} records when B took it. */
  private void publishStormEvent(AtomicLong seq) {
    long s = seq.incrementAndGet();
    int ch = (int) (s % channels);
    long next = publishedPerChannel[ch].get();
    if (next >= accepted[ch].length()) {
      return; // the run is longer than sized: this channel gets no more
    }
    int k = (int) next;
    String payload = "{\"ts\":" + System.nanoTime() + ",\"seq\":" + s + ",\"n\":" + k + "}";
    publishedPerChannel[ch].incrementAndGet(); // one publishing thread: no race with the check above
    track(b.publish(prefix + ch, payload), () -> accepted[ch].set(k, System.nanoTime()));
  }

  /** Keeps a publish until it is answered, counting a failure, running {@code onAccepted} otherwise. */
  private void track(CompletableFuture<Void> publish, Runnable onAccepted) {
    inFlightPublishes.add(publish);
    publish.whenComplete((v, failure) -> {
      if (failure != null) {
        if (publishFailures.incrementAndGet() <= 5) {
          failureSamples.add(String.valueOf(failure.getCause() != null ? failure.getCause() : failure));
        }
      } else {
        onAccepted.run();
      }
      inFlightPublishes.remove(publish);
    });
  }

  /** B's own counts of what it took in, delivered, recovered, refused and closed. */
  private List<String> metricsOf(int port) {
    try {
      String text = clients.publisher
          .send(java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + base + "metrics")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString())
          .body();
      return text.lines()
          .filter(l -> l.matches("herald_(events_in|events_received|recoveries|bus_refused|connections_closed|connections_open|deliveries)_?\\w*\\{.*"))
          .filter(l -> !l.endsWith(" 0.0") && !l.endsWith(" 0"))
          .toList();
    } catch (java.io.IOException | InterruptedException e) {
      return List.of("metrics not read: " + e);
    }
  }

  /** Events accepted on a client's channel that it has not received. */
  private long missing(List<StormClient> storm) {
    long missing = 0;
    for (StormClient c : storm) {
      int ch = c.channelIndex();
      long published = publishedPerChannel[ch].get();
      for (int k = 0; k < published; k++) {
        if (accepted[ch].get(k) != 0 && c.arrivals.get(k) == 0) {
          missing++;
        }
      }
    }
    return missing;
  }
}
