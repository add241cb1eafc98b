package io.herald.transport.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Metrics;
import io.herald.testing.Server;
import io.herald.testing.SlowReader;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import java.net.URL;
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
    List<SlowReader> stalled = stall(server, STALLED);
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
      SseClient.closeAll(healthy);
      for (SlowReader reader : stalled) {
        reader.close();
      }
    }
  }

  private static double slowConsumerCuts(Server server) {
    return Metrics.value(server, "herald_connections_closed_total", "reason=\"slow_consumer\"", "transport=\"sse\"");
  }

  /** Opens {@code n} streams that never read past the head (10 per account). */
  private static List<SlowReader> stall(Server server, int n) throws Exception {
    List<SlowReader> readers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String token = Tokens.forUser("stalled-" + (i / 10)).subscribe("jobs.*").sign();
      StringBuilder status = new StringBuilder();
      readers.add(SlowReader.open(server, server.path() + "api/realtime/stream?channel=" + CHANNEL + "&access_token=" + token, status));
      assertEquals("HTTP/1.1 200 OK", status.toString(), "stalled client " + i + " connected");
    }
    return readers;
  }
}
