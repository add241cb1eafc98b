package io.herald.transport.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Metrics;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Many SSE clients that stop reading, emulated across a real network (small MSS and receive
 * buffer: ../shared/TESTING.md), on several accounts, beside healthy ones: the healthy ones get
 * every event, promptly, and are never cut; the stuck ones are cut as slow consumers. No writer
 * thread may wait on a stuck client.
 */
@ExtendWith(ArquillianExtension.class)
class SseStallIT {
  private static final int STALLED = 200;
  private static final int HEALTHY = 50;
  private static final int EVENTS = 600;
  private static final String CHANNEL = "jobs.stall";

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(
        Map.of(
            "herald.limits.connections.per-ip", "1000",
            "herald.sse.queue-size", "256",
            "herald.sse.heartbeat-ms", "1000",
            "herald.sse.write-stall-ms", "5000",
            "herald.limits.publish.burst", "100000",
            "herald.limits.publish.per-second", "100000"));
  }

  @ArquillianResource URL url;

  @Test
  void twoHundredClientsThatStopReadingCostTheHealthyOnesNothing() throws Exception {
    Server server = Server.at(url);
    String publisher = Tokens.publisher("backend");
    double cutBefore = slowConsumerCuts(server);
    Process stalled = stall(server, STALLED);
    List<SseClient> healthy = new ArrayList<>();
    try {
      for (int i = 0; i < HEALTHY; i++) {
        String token = Tokens.forUser("healthy-" + (i / 10)).subscribe("jobs.*").sign(); // 10 per account
        SseClient client = SseClient.open(server, "api/realtime/stream?channel=" + CHANNEL + "&access_token=" + token);
        assertEquals(200, client.status(), client.errorBody());
        assertEquals("connected", client.next().name());
        healthy.add(client);
      }
      String blob = "\"" + "x".repeat(1000) + "\"";
      Map<String, Long> sentAt = new HashMap<>();
      List<String> ids = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < EVENTS; i++) {
        long before = System.nanoTime();
        String id = server.publish(publisher, CHANNEL, "tick", blob).json().getString("id");
        sentAt.put(id, before);
        ids.add(id);
        long due = start + (i + 1) * 10_000_000L; // 100 events a second
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
      }

      List<Long> latencies = new ArrayList<>();
      for (SseClient client : healthy) {
        for (String id : ids) {
          SseClient.Event event = client.next(Timeouts.EVENT);
          assertTrue(event != null, "a healthy client got every event (missing " + id + ", stream ended: " + client.ended() + ")");
          assertEquals(id, event.id(), "in order, once");
          latencies.add(event.receivedNanos() - sentAt.get(id));
        }
        assertFalse(client.ended(), "and was never cut");
      }
      Collections.sort(latencies);
      long p50 = latencies.get(latencies.size() / 2) / 1_000_000;
      long p99 = latencies.get(latencies.size() * 99 / 100) / 1_000_000;
      System.out.printf("SseStallIT: %d healthy x %d events beside %d stalled: p50 %d ms, p99 %d ms%n", HEALTHY, EVENTS, STALLED, p50, p99);
      assertTrue(p99 < 1000, "healthy clients are served promptly: p99 " + p99 + " ms (p50 " + p50 + " ms)");
      long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
      while (slowConsumerCuts(server) - cutBefore < STALLED && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertEquals(STALLED, slowConsumerCuts(server) - cutBefore, 0.5, "every stalled client was cut as a slow consumer");
    } finally {
      healthy.forEach(SseClient::close);
      stalled.getOutputStream().close();
      stalled.destroy();
    }
  }

  private static double slowConsumerCuts(Server server) {
    return Metrics.value(server, "herald_connections_closed_total", "reason=\"slow_consumer\"", "transport=\"sse\"");
  }

  /** Opens {@code n} streams in the helper process (10 per account) and waits until all are open. */
  private static Process stall(Server server, int n) throws Exception {
    Path script = Files.createTempFile("stalled_sse", ".py");
    try (var in = SseStallIT.class.getResourceAsStream("/clients/stalled_sse.py")) {
      Files.write(script, in.readAllBytes());
    }
    Process helper =
        new ProcessBuilder("python3", script.toString(), "127.0.0.1", String.valueOf(server.port()))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    Runtime.getRuntime().addShutdownHook(new Thread(helper::destroyForcibly));
    OutputStream targets = helper.getOutputStream();
    for (int i = 0; i < n; i++) {
      String token = Tokens.forUser("stalled-" + (i / 10)).subscribe("jobs.*").sign();
      String target = server.path() + "api/realtime/stream?channel=" + CHANNEL + "&access_token=" + token + "\n";
      targets.write(target.getBytes(StandardCharsets.US_ASCII));
    }
    targets.write('\n');
    targets.flush();
    BufferedReader out = new BufferedReader(new InputStreamReader(helper.getInputStream(), StandardCharsets.US_ASCII));
    String ready = out.readLine();
    assertEquals("ready " + n, ready, "the stalled clients are connected");
    return helper;
  }

  static {
    // the stalled clients need python3 (TCP_MAXSEG): say so plainly if it is missing
    try {
      Process probe = new ProcessBuilder("python3", "--version").start();
      if (!probe.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || probe.exitValue() != 0) {
        throw new IllegalStateException("python3 is needed for SseStallIT (.ci/run installs it)");
      }
    } catch (java.io.IOException | InterruptedException e) {
      throw new IllegalStateException("python3 is needed for SseStallIT (.ci/run installs it)", e);
    }
  }
}
