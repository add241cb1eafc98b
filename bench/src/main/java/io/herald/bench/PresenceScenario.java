package io.herald.bench;

import io.herald.testing.Tokens;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Issue 14's presence aim: {@code members} in one channel, each moving its cursor
 * {@code updatesPerSecond} times a second over its WebSocket ({@code presence.update}), on one
 * instance or spread over two. Every member is also a subscriber, so each state change goes to
 * every member: deliveries grow with the square of the members. Reports the updates sent and
 * relayed per second (Herald's own count), the member updates delivered, the latency from a
 * member's send to a subscriber's receipt of its new state (per window, to show growth), and the
 * gateways' CPU per relayed update.
 *
 * <p>Latency is read at a few probe subscribers only, which parse every frame; the others count
 * bytes, so the driver's own CPU goes mostly to the sockets.
 */
final class PresenceScenario {
  private static final int PROBES = 10;
  private static final int WINDOW_SECONDS = 5;

  private final Clients clients;
  private final Probe probe;
  private final List<Integer> ports;
  private final String base;
  private final String channel;

  /** @param base the context path Herald is deployed at, "/" at the root */
  PresenceScenario(Clients clients, Probe probe, List<Integer> ports, String base, String runId) {
    this.clients = clients;
    this.probe = probe;
    this.ports = ports;
    this.base = base.endsWith("/") ? base : base + "/";
    this.channel = "presence.bench-" + runId;
  }

  /** One member: its socket, whether a send is still under way, whether it reads every frame. */
  private final class Member {
    final int index;
    final boolean probing;
    volatile WebSocket socket;
    final AtomicBoolean sending = new AtomicBoolean();
    final CompletableFuture<Void> subscribed = new CompletableFuture<>();

    Member(int index) {
      this.index = index;
      this.probing = index % probeEvery == 0;
    }
  }

  /** Every how many members one is a probe. */
  private int probeEvery = 1;
  private final Recorder latency = new Recorder(3);
  private final LongAdder probeMemberUpdates = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder sent = new LongAdder();
  private final LongAdder skipped = new LongAdder();
  private volatile long measureFrom = Long.MAX_VALUE;

  JsonObject run(int members, int updatesPerSecond, int warmupSeconds, int seconds) throws Exception {
    probeEvery = Math.max(1, members / PROBES);
    List<Member> all = new ArrayList<>();
    Semaphore connecting = new Semaphore(200);
    for (int i = 0; i < members; i++) {
      Member m = new Member(i);
      all.add(m);
      connecting.acquire();
      connect(m, ports.get(i % ports.size())).whenComplete((ok, e) -> connecting.release());
    }
    for (Member m : all) {
      m.subscribed.get(60, TimeUnit.SECONDS);
    }
    Thread.sleep(2000); // the joins settle

    long intervalNanos = TimeUnit.SECONDS.toNanos(1) / updatesPerSecond;
    long start = System.nanoTime();
    long measureAt = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
    long end = measureAt + TimeUnit.SECONDS.toNanos(seconds);
    double relayed0 = 0;
    double cpu0 = 0;
    long sent0 = 0;
    long delivered0 = 0;
    JsonArrayBuilder windows = Json.createArrayBuilder();
    Histogram whole = null;
    long nextWindow = measureAt + TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);
    boolean measuring = false;
    long tick = 0;
    while (System.nanoTime() < end) {
      long now = System.nanoTime();
      if (!measuring && now >= measureAt) {
        measuring = true;
        measureFrom = now;
        latency.getIntervalHistogram(); // forget the warm-up
        relayed0 = relayed();
        cpu0 = probe.cpuSeconds();
        sent0 = sent.sum();
        delivered0 = probeMemberUpdates.sum();
      }
      if (measuring && now >= nextWindow) {
        Histogram h = latency.getIntervalHistogram();
        whole = whole == null ? h.copy() : add(whole, h);
        windows.add(Scenarios.percentiles(h));
        nextWindow += TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);
      }
      // each member in turn, spread over the interval: member i sends at phase i/members
      long slot = tick % members;
      for (int k = 0; k < Math.max(1, members / 100); k++) {
        Member m = all.get((int) ((slot + k) % members));
        move(m);
      }
      tick += Math.max(1, members / 100);
      long due = start + (tick * intervalNanos) / members;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
    }
    Histogram rest = latency.getIntervalHistogram(); // the last, partial window
    if (rest.getTotalCount() > 0) {
      whole = whole == null ? rest.copy() : add(whole, rest);
      windows.add(Scenarios.percentiles(rest));
    }
    double span = seconds;
    double relayed = relayed() - relayed0;
    double cpu = probe.cpuSeconds() - cpu0;
    long probesDelivered = probeMemberUpdates.sum() - delivered0;
    int probes = (members + probeEvery - 1) / probeEvery;
    for (Member m : all) {
      if (m.socket != null) {
        m.socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
      }
    }
    return Json.createObjectBuilder()
        .add("members", members)
        .add("instances", ports.size())
        .add("updatesPerSecondEach", updatesPerSecond)
        .add("sentPerSecond", Scenarios.round((sent.sum() - sent0) / span))
        .add("sendsSkippedBusy", skipped.sum())
        .add("relayedPerSecond", Scenarios.round(relayed / span))
        .add("memberUpdatesDeliveredPerSecond", Scenarios.round(probesDelivered / span / probes * members))
        .add("latency", whole == null ? Json.createObjectBuilder().build() : Scenarios.percentiles(whole))
        .add("latencyWindows", windows)
        .add("gatewayCpuSeconds", Scenarios.round(cpu))
        .add("gatewayCpuPercent", Scenarios.round(100 * cpu / span))
        .add("cpuMicrosPerRelayedUpdate", relayed > 0 ? Scenarios.round(cpu * 1e6 / relayed) : -1)
        .add("receivedMegabytesPerSecond", Scenarios.round(bytes.sum() / 1e6 / (span + warmupSeconds)))
        .build();
  }

  private static Histogram add(Histogram into, Histogram h) {
    into.add(h);
    return into;
  }

  private CompletableFuture<WebSocket> connect(Member m, int port) {
    String token = Tokens.forUser("m" + m.index).subscribe("presence.*").sign();
    return clients
        .ws(
            URI.create("ws://127.0.0.1:" + port + base + "ws"),
            List.of("herald.v1", "bearer." + token),
            (socket, text) -> received(m, socket, text))
        .whenComplete(
            (socket, e) -> {
              if (e != null) {
                m.subscribed.completeExceptionally(e);
              } else {
                m.socket = socket;
              }
            });
  }

  private void received(Member m, WebSocket socket, String text) {
    bytes.add(text.length());
    if (!m.subscribed.isDone()) {
      if (text.startsWith("{\"type\":\"connected\"")) {
        socket.sendText("{\"type\":\"subscribe\",\"id\":\"s\",\"channel\":\"" + channel + "\"}", true);
      } else if (text.startsWith("{\"type\":\"ok\"")) {
        m.subscribed.complete(null);
      } else if (text.startsWith("{\"type\":\"error\"")) {
        m.subscribed.completeExceptionally(new IllegalStateException(text));
      }
      return;
    }
    if (!m.probing) {
      return;
    }
    long now = System.nanoTime();
    for (String frame : text.split("\n")) {
      if (!frame.startsWith("{\"type\":\"presence\"") || !frame.contains("\"action\":\"update\"")) {
        continue;
      }
      try (JsonReader reader = Json.createReader(new StringReader(frame))) {
        for (JsonObject member : reader.readObject().getJsonArray("members").getValuesAs(JsonObject.class)) {
          JsonObject state = member.getJsonObject("state");
          if (state != null && state.containsKey("t")) {
            long t = state.getJsonNumber("t").longValue();
            if (t >= measureFrom) {
              latency.recordValue(Math.max(0, (now - t) / 1000));
              probeMemberUpdates.increment();
            }
          }
        }
      }
    }
  }

  /** Sends the member's new cursor, with the time of sending; skipped if its last send is still under way. */
  private void move(Member m) {
    WebSocket socket = m.socket;
    if (socket == null || !m.sending.compareAndSet(false, true)) {
      skipped.increment();
      return;
    }
    long t = System.nanoTime();
    String update =
        "{\"type\":\"presence.update\",\"channel\":\"" + channel + "\",\"state\":{\"x\":" + (t % 1000) + ",\"y\":" + m.index + ",\"t\":" + t + "}}";
    socket.sendText(update, true).whenComplete((ok, e) -> m.sending.set(false));
    sent.increment();
  }

  /** Herald's count of presence updates relayed, every instance together. */
  private double relayed() {
    double total = 0;
    for (int port : ports) {
      try {
        String text =
            clients.publisher
                .send(
                    java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics?scope=application")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
        for (String line : text.split("\n")) {
          if (line.startsWith("herald_presence_updates_total") && line.contains("result=\"relayed\"")) {
            total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          }
        }
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return total;
  }
}
