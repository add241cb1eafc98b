package io.herald.bench;

import io.herald.bench.Gateway.Transport;
import io.herald.testing.Tokens;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.net.URI;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
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

  private final Clients clients;
  private final Gateway b;
  private final int portA;
  private final int portB;
  private final String base;
  private final Long killPid;
  private final String prefix;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Clients.daemon("storm-timer"));
  private final AtomicLong retries = new AtomicLong();
  /** When each channel's n-th event was accepted by B (nanoTime), 0 until then. */
  private final AtomicLongArray[] accepted;
  private final AtomicLong[] publishedPerChannel;
  private final int channels;

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

  /** One storm client: where it is, what it got (arrival time per event of its channel), when it came back. */
  private final class StormClient {
    final int index;
    final Transport transport;
    final String channel;
    final String token;
    final AtomicLongArray arrivals;
    final AtomicLong duplicates = new AtomicLong();
    volatile String lastId;
    volatile Runnable close = () -> {};
    volatile boolean onB;
    volatile long resubscribedAt;
    volatile boolean gap;
    volatile boolean resumedWithoutPosition;
    final java.util.concurrent.atomic.AtomicInteger generation = new java.util.concurrent.atomic.AtomicInteger();

    StormClient(int index, int capacity) {
      this.index = index;
      this.transport = index % 2 == 0 ? Transport.SSE : Transport.WS;
      this.channel = prefix + (index % channels);
      this.token = Tokens.forUser("storm-" + index).sign();
      this.arrivals = new AtomicLongArray(capacity);
    }

    int channelIndex() {
      return index % channels;
    }

    /** Connects to A (first) or B (after the storm began); completes once subscribed. */
    CompletableFuture<Void> open(boolean toB) {
      int port = toB ? portB : portA;
      int gen = generation.incrementAndGet();
      Runnable gone = () -> {
        if (generation.get() == gen && !onB) {
          reconnect(0);
        }
      };
      CompletableFuture<Void> ready = new CompletableFuture<>();
      String since = toB ? lastId : null;
      if (toB && since == null) {
        resumedWithoutPosition = true;
      }
      if (transport == Transport.SSE) {
        URI uri = URI.create("http://127.0.0.1:" + port + base + "api/realtime/stream?channel=" + channel + "&access_token=" + token);
        close = clients.sse(uri, since, data -> onFrame(data, ready, toB), ready::completeExceptionally, gone);
      } else {
        clients
            .ws(URI.create("ws://127.0.0.1:" + port + base + "ws"), List.of("herald.v1", "bearer." + token),
                (socket, frame) -> {
                  for (String text : frame.split("\n")) {
                    if (text.startsWith("{\"type\":\"connected\"")) {
                      String s = since == null ? "" : ",\"since\":\"" + since + "\"";
                      socket.sendText("{\"type\":\"subscribe\",\"id\":\"s\",\"channel\":\"" + channel + "\"" + s + "}", true);
                    } else {
                      onFrame(text, ready, toB);
                    }
                  }
                },
                gone)
            .whenComplete((socket, failure) -> {
              if (failure != null) {
                ready.completeExceptionally(failure);
              } else {
                close = socket::abort;
              }
            });
      }
      return ready;
    }

    private void onFrame(String text, CompletableFuture<Void> ready, boolean toB) {
      if (text.startsWith("{\"type\":\"event\"")) {
        received(text);
      } else if (text.startsWith("{\"type\":\"connected\"") || text.startsWith("{\"type\":\"ok\"")) {
        // SSE: connected says recovered; WebSocket: the subscribe's ok does
        if (text.contains("\"recovered\":false")) {
          gap = true;
        }
        if (toB && resubscribedAt == 0) {
          resubscribedAt = System.nanoTime();
        }
        ready.complete(null);
      } else if (text.startsWith("{\"type\":\"gap\"")) {
        gap = true;
      } else if (text.startsWith("{\"type\":\"error\"")) {
        ready.completeExceptionally(new IllegalStateException(text));
      }
    }

    private void received(String text) {
      long now = System.nanoTime();
      int at = text.indexOf("\"id\":\"");
      lastId = text.substring(at + 6, text.indexOf('"', at + 6));
      int n = (int) Tally.number(text, text.indexOf("\"n\":") + 4);
      if (!arrivals.compareAndSet(n, 0, now)) {
        duplicates.incrementAndGet();
      }
    }

    /** Back to B after herald.js's backoff; a refusal or failure tries again, waiting longer. */
    void reconnect(int attempt) {
      onB = true;
      long delay = (long) (ThreadLocalRandom.current().nextDouble() * Math.min(30_000, 500L << Math.min(attempt, 6)));
      timer.schedule(
          () -> open(true).exceptionally(failure -> {
            retries.incrementAndGet();
            reconnect(attempt + 1);
            return null;
          }),
          delay, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * @param rate storm events a second, published on B over the channels, before and during the storm
   * @param warmSeconds how long events flow before the kill, so that every client holds an event id to resume from
   */
  JsonObject run(int n, int rate, int warmSeconds) throws Exception {
    int capacity = accepted[0].length();
    List<StormClient> storm = new ArrayList<>(n);
    // distinct users with their own tokens: a storm of one shared token would flatter the token cache
    StormClient[] made = new StormClient[n];
    IntStream.range(0, n).parallel().forEach(i -> made[i] = new StormClient(i, capacity));
    storm.addAll(Arrays.asList(made));
    Semaphore inFlight = new Semaphore(200);
    List<CompletableFuture<Void>> opening = new ArrayList<>();
    for (StormClient c : storm) {
      inFlight.acquire();
      opening.add(c.open(false).whenComplete((v, e) -> inFlight.release()));
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

    AtomicLong seq = new AtomicLong();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    long period = 1_000_000_000L / rate;
    java.util.concurrent.ScheduledFuture<?> stormPublisher =
        timer.scheduleAtFixedRate(() -> publishStormEvent(seq, failures), 0, period, TimeUnit.NANOSECONDS);
    java.util.concurrent.ScheduledFuture<?> ownPublisher =
        timer.scheduleAtFixedRate(
            () -> b.publish(bystanderChannel, Tally.payload(seq.incrementAndGet())).exceptionally(f -> {
              failures.add(f);
              return null;
            }),
            0, 1_000_000_000L / BYSTANDER_RATE, TimeUnit.NANOSECONDS);
    Thread.sleep(warmSeconds * 500L);
    bystanders.reset(Long.MAX_VALUE); // their latency before the storm: the second half of the warm-up
    Thread.sleep(warmSeconds * 500L);
    Histogram before = merged(bystanders.halves());
    long withoutPosition = storm.stream().filter(c -> c.lastId == null).count();

    long killAt = System.nanoTime();
    bystanders.reset(Long.MAX_VALUE);
    if (killPid != null) {
      ProcessHandle.of(killPid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL: no goodbye to anyone
    } else {
      for (StormClient c : storm) {
        c.generation.incrementAndGet(); // the cut below is not reported as a close
        c.close.run();
        c.reconnect(0);
      }
    }
    long deadline = killAt + TimeUnit.SECONDS.toNanos(120);
    while (storm.stream().anyMatch(c -> c.resubscribedAt == 0) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    Thread.sleep(3000); // live events flow to the returned clients for a while
    stormPublisher.cancel(false);
    Thread.sleep(200);
    // every event accepted must reach every client of its channel
    long missing;
    long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while ((missing = missing(storm)) > 0 && System.nanoTime() < waitUntil) {
      Thread.sleep(100);
    }
    Histogram during = merged(bystanders.halves());
    ownPublisher.cancel(false);

    // a client is caught up when it has every event B accepted before it was back (the rest is live)
    Histogram caughtUp = new Histogram(3);
    Histogram back = new Histogram(3);
    long lastCaughtUp = 0;
    long lastBack = 0;
    for (StormClient c : storm) {
      if (c.resubscribedAt == 0) {
        continue;
      }
      back.recordValue(Math.max(0, (c.resubscribedAt - killAt) / 1000));
      lastBack = Math.max(lastBack, c.resubscribedAt);
      long at = c.resubscribedAt;
      int ch = c.channelIndex();
      long published = publishedPerChannel[ch].get();
      for (int k = 0; k < published; k++) {
        long acceptedAt = accepted[ch].get(k);
        if (acceptedAt != 0 && acceptedAt <= c.resubscribedAt && c.arrivals.get(k) > at) {
          at = c.arrivals.get(k);
        }
      }
      caughtUp.recordValue(Math.max(0, (at - killAt) / 1000));
      lastCaughtUp = Math.max(lastCaughtUp, at);
    }
    storm.forEach(c -> {
      c.generation.incrementAndGet();
      c.close.run();
    });
    own.forEach(f -> f.join().close());
    timer.shutdownNow();
    long resubscribed = storm.stream().filter(c -> c.resubscribedAt != 0).count();
    long events = Arrays.stream(publishedPerChannel).mapToLong(AtomicLong::get).sum();
    return Json.createObjectBuilder()
        .add("clients", n)
        .add("channels", channels)
        .add("killed", killPid != null)
        .add("rate", rate)
        .add("events", events)
        .add("publishFailures", failures.size())
        .add("clientsWithoutPositionAtKill", withoutPosition)
        .add("resubscribed", resubscribed)
        .add("secondsUntilAllResubscribed", resubscribed < n ? -1 : Scenarios.round((lastBack - killAt) / 1e9))
        .add("secondsUntilAllCaughtUp", resubscribed < n ? -1 : Scenarios.round((lastCaughtUp - killAt) / 1e9))
        .add("resubscribedAfter", Scenarios.percentiles(back))
        .add("caughtUpAfter", Scenarios.percentiles(caughtUp))
        .add("eventsMissing", missing)
        .add("duplicates", storm.stream().mapToLong(c -> c.duplicates.get()).sum())
        .add("gaps", storm.stream().filter(c -> c.gap).count())
        .add("reconnectRetries", retries.get())
        .add("allRecovered", missing == 0 && resubscribed == n && storm.stream().noneMatch(c -> c.gap))
        .add("bystandersBefore", Scenarios.percentiles(before))
        .add("bystandersDuringStorm", Scenarios.percentiles(during))
        .build();
  }

  private void publishStormEvent(AtomicLong seq, ConcurrentLinkedQueue<Throwable> failures) {
    long s = seq.incrementAndGet();
    int ch = (int) (s % channels);
    int k = (int) publishedPerChannel[ch].getAndIncrement();
    if (k >= accepted[ch].length()) {
      publishedPerChannel[ch].decrementAndGet(); // the run is longer than sized: stop counting this channel
      return;
    }
    String payload = "{\"ts\":" + System.nanoTime() + ",\"seq\":" + s + ",\"n\":" + k + "}";
    b.publish(prefix + ch, payload)
        .whenComplete((v, failure) -> {
          if (failure != null) {
            failures.add(failure);
          } else {
            accepted[ch].set(k, System.nanoTime());
          }
        });
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

  private static Histogram merged(Histogram[] halves) {
    Histogram both = halves[0].copy();
    both.add(halves[1]);
    return both;
  }
}
