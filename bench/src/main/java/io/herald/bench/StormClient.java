package io.herald.bench;

import io.herald.bench.Gateway.Transport;
import io.herald.testing.Tokens;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** One storm client: where it is, what it got (arrival time per event of its channel), when it came back. */
final class StormClient {
  private final StormScenario s;
  final int index;
  final Transport transport;
  final String channel;
  final String token;
  final AtomicLongArray arrivals;
  final AtomicLong duplicates = new AtomicLong();
  /** Each connection attempt's number: frames and ends of an older one are ignored. */
  final AtomicInteger generation = new AtomicInteger();
  volatile String lastId;
  volatile Runnable close = () -> {};
  volatile long resubscribedAt;
  volatile boolean gap;
  /** Diagnosis: the current WebSocket, when its last frame came, and whether it answered a ping. */
  volatile java.net.http.WebSocket socket;
  volatile long lastFrameAt;
  volatile boolean ponged;
  /** Frames of the current connection after its subscription was confirmed, and callbacks that threw. */
  final AtomicInteger framesSinceReady = new AtomicInteger();
  final AtomicInteger listenerFailures = new AtomicInteger();
  volatile String listenerFailure;
  /** herald.js's liveness watch: when the current connection was last heard (any frame or heartbeat) and pinged. */
  volatile long lastHeardAt;
  volatile long lastPingAt;
  volatile CompletableFuture<Void> current = new CompletableFuture<>();

  StormClient(StormScenario s, int index, int capacity) {
    this.s = s;
    this.index = index;
    // the transport independent of the channel: every channel has both
    this.transport = (index / s.channels) % 2 == 0 ? Transport.SSE : Transport.WS;
    this.channel = s.prefix + (index % s.channels);
    this.token = Tokens.forUser("storm-" + index).sign();
    this.arrivals = new AtomicLongArray(capacity);
  }

  int channelIndex() {
    return index % s.channels;
  }

  /**
   * Connects to A (first) or B (once the storm began); completes once subscribed. When this
   * connection ends or never comes, and the storm is on, the client goes (back) to B.
   */
  CompletableFuture<Void> open(boolean toB, int attempt) {
    int port = toB ? s.portB : s.portA;
    int gen = generation.incrementAndGet();
    framesSinceReady.set(0);
    CompletableFuture<Void> ready = new CompletableFuture<>();
    current = ready;
    lastHeardAt = System.nanoTime();
    lastPingAt = lastHeardAt;
    AtomicBoolean ended = new AtomicBoolean();
    Runnable end = () -> {
      if (ended.compareAndSet(false, true) && generation.get() == gen) {
        boolean wasUp = ready.isDone() && !ready.isCompletedExceptionally();
        ready.completeExceptionally(new IllegalStateException("connection ended"));
        if (s.storming && !s.stopping) {
          if (!wasUp) {
            s.retries.incrementAndGet();
          }
          reconnect(wasUp ? 0 : attempt + 1);
        }
      }
    };
    String since = toB ? lastId : null;
    if (transport == Transport.SSE) {
      URI uri = URI.create("http://127.0.0.1:" + port + s.base + "api/realtime/stream?channel=" + channel + "&access_token=" + token);
      close = s.clients.sse(uri, since, data -> onFrame(gen, data, ready, toB), failure -> end.run(), end, () -> heard(gen));
    } else {
      s.clients
          .ws(URI.create("ws://127.0.0.1:" + port + s.base + "ws"), List.of("herald.v1", "bearer." + token),
              (socket, frame) -> {
                try {
                  for (String text : frame.split("\n")) {
                    if (text.startsWith("{\"type\":\"connected\"")) {
                      String resume = since == null ? "" : ",\"since\":\"" + since + "\"";
                      socket.sendText("{\"type\":\"subscribe\",\"id\":\"s\",\"channel\":\"" + channel + "\"" + resume + "}", true);
                    } else {
                      onFrame(gen, text, ready, toB);
                    }
                  }
                } catch (RuntimeException e) {
                  // kept for the diagnosis: a listener that throws would stop reading its socket
                  listenerFailures.incrementAndGet();
                  listenerFailure = String.valueOf(e);
                }
              },
              end)
          .whenComplete((socket, failure) -> {
            if (failure != null) {
              end.run();
            } else if (generation.get() != gen || s.stopping) {
              socket.abort(); // superseded, or the run is over
            } else {
              close = socket::abort;
              this.socket = socket;
            }
          });
    }
    // a client that hears nothing gives up and tries again, as herald.js does
    ready.orTimeout(30, TimeUnit.SECONDS).whenComplete((v, failure) -> {
      if (failure != null && generation.get() == gen) {
        close.run();
        end.run();
      }
    });
    return ready;
  }

  private void onFrame(int gen, String text, CompletableFuture<Void> ready, boolean toB) {
    if (generation.get() != gen) {
      return; // a late frame of a connection already left: the resume covers it
    }
    lastFrameAt = System.nanoTime();
    lastHeardAt = lastFrameAt;
    if (ready.isDone()) {
      framesSinceReady.incrementAndGet();
    }
    if (text.startsWith("{\"type\":\"pong\"")) {
      ponged = true;
    }
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
    int nAt = text.indexOf("\"n\":");
    if (at < 0 || nAt < 0) {
      return; // not a storm event
    }
    lastId = text.substring(at + 6, text.indexOf('"', at + 6));
    int n = (int) Tally.number(text, nAt + 4);
    if (n < arrivals.length() && !arrivals.compareAndSet(n, 0, now)) {
      duplicates.incrementAndGet();
    }
  }

  private void heard(int gen) {
    if (generation.get() == gen) {
      lastHeardAt = System.nanoTime();
    }
  }

  /**
   * herald.js's watch over an open connection: a WebSocket is pinged every {@link #PING_NANOS}, and
   * a connection not heard from for {@link #staleNanos} (two pings or heartbeats and a margin) is
   * taken for dead, whatever the socket says, left, and replaced. Returns true if it was stale.
   */
  boolean watch(long now) {
    CompletableFuture<Void> ready = current;
    if (!ready.isDone() || ready.isCompletedExceptionally()) {
      return false; // not up yet: the open's own timeout covers it
    }
    if (now - lastHeardAt > staleNanos()) {
      cut();
      reconnect(0);
      return true;
    }
    java.net.http.WebSocket ws = socket;
    if (transport == Transport.WS && ws != null && now - lastPingAt >= PING_NANOS) {
      lastPingAt = now;
      try {
        ws.sendText("{\"type\":\"ping\"}", true);
      } catch (IllegalStateException busy) {
        // a send still under way: the next round pings
      }
    }
    return false;
  }

  /** herald.js: 2 x 20 s pings + 5 s for a WebSocket, 2 x the 15 s heartbeat for SSE. */
  private long staleNanos() {
    return transport == Transport.WS ? 2 * PING_NANOS + TimeUnit.SECONDS.toNanos(5) : TimeUnit.SECONDS.toNanos(30);
  }

  private static final long PING_NANOS = TimeUnit.SECONDS.toNanos(20);

  /** Leaves the current connection without a word (the smoke run's cut): nothing of it counts any more. */
  void cut() {
    generation.incrementAndGet();
    close.run();
  }

  /** Back to B after herald.js's backoff (full jitter from 500 ms, doubling after each failure). */
  void reconnect(int attempt) {
    long delay = (long) (ThreadLocalRandom.current().nextDouble() * Math.min(30_000, 500L << Math.min(attempt, 6)));
    s.reconnects.schedule(() -> open(true, attempt), delay, TimeUnit.MILLISECONDS);
  }
}
