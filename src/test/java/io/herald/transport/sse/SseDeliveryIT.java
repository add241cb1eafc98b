package io.herald.transport.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Metrics;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** SSE streams against a real Payara Micro: who gets what, in which order, and who is let go. */
@ExtendWith(ArquillianExtension.class)
class SseDeliveryIT {
  private static final long HEARTBEAT_MS = 1000;

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(
        Map.of(
            "herald.sse.heartbeat-ms", String.valueOf(HEARTBEAT_MS),
            "herald.sse.queue-size", "64",
            "herald.limits.publish.burst", "100000"));
  }

  @ArquillianResource URL url;
  private Server server;
  private final String publisher = Tokens.publisher("backend");

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  @Test
  void eachClientGetsExactlyItsChannelsInPublishOrderOnce() throws Exception {
    String alice = Tokens.subscriber("alice");
    String bob = Tokens.subscriber("bob");
    try (SseClient a =
            SseClient.open(server, "api/realtime/stream?channel=jobs.1&channel=docs.7&access_token=" + alice);
        SseClient b = SseClient.openWithHeader(server, "api/realtime/stream/channel/jobs.2", bob)) {
      SseClient.Event hello = a.next();
      assertEquals("connected", hello.name());
      assertNotNull(hello.retry(), "the stream starts with a retry hint");
      assertEquals("alice", hello.json().getString("userId"));
      assertEquals(List.of("jobs.1", "docs.7"), strings(hello.json()));
      assertTrue(hello.json().getString("connectionId").length() > 8);
      assertEquals("bob", b.next().json().getString("userId"));

      String[] channels = {"jobs.1", "jobs.2", "docs.7", "chat.nobody"};
      List<String[]> forA = new ArrayList<>();
      List<String[]> forB = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String channel = channels[i % channels.length];
        Server.Reply reply = server.publish(publisher, channel, "step." + i, "{\"n\":" + i + "}");
        assertEquals(202, reply.status(), reply.body());
        String[] sent = {reply.json().getString("id"), channel, "step." + i};
        if (channel.equals("jobs.1") || channel.equals("docs.7")) {
          forA.add(sent);
        } else if (channel.equals("jobs.2")) {
          forB.add(sent);
        }
      }
      assertReceived(a, forA);
      assertReceived(b, forB);
      assertNull(a.next(Timeouts.QUIET), "no event twice, none from other channels");
      assertNull(b.next(Timeouts.QUIET), "no event twice, none from other channels");
    }
  }

  private static void assertReceived(SseClient client, List<String[]> expected) throws Exception {
    for (String[] sent : expected) {
      SseClient.Event got = client.next();
      assertEquals(sent[0], got.id(), "ids in publish order");
      assertEquals(sent[2], got.name());
      JsonObject envelope = got.json();
      assertEquals(sent[0], envelope.getString("id"));
      assertEquals(sent[1], envelope.getString("channel"));
      assertEquals(sent[2], envelope.getString("event"));
      assertEquals("backend", envelope.getString("publisher"));
      assertEquals(Integer.parseInt(sent[2].substring(5)), envelope.getJsonObject("data").getInt("n"));
      assertNotNull(envelope.getString("timestamp"));
    }
  }

  @Test
  void aClientThatGoesAwayLeavesTheCountsWithinThreeHeartbeats() throws Exception {
    waitFor(() -> server.connections().getInt("sse") == 0); // streams of earlier tests, noticed gone
    int before = 0;
    SseClient client =
        SseClient.open(server, "api/realtime/stream?channel=jobs.9&access_token=" + Tokens.subscriber("carol"));
    client.next(); // connected
    assertEquals(before + 1, server.connections().getInt("sse"));
    assertEquals(before + 1, server.connections().getInt("total"));

    client.close();
    long closedAt = System.nanoTime();
    // a heartbeat's write after it left goes out; its failure shows at the next one (non-blocking)
    long deadline = closedAt + (3 * HEARTBEAT_MS + 500) * 1_000_000L;
    while (server.connections().getInt("sse") != before && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(before, server.connections().getInt("sse"), "gone within three heartbeat intervals");
  }

  @Test
  void aSlowReaderIsCutOffAndNobodyElseWaits() throws Exception {
    String token = Tokens.subscriber("dave");
    double cutBefore = slowConsumerCuts();
    int before = server.connections().getInt("sse");
    try (Socket slow = new Socket()) {
      slow.setReceiveBufferSize(4096); // and never read: the stream backs up into the server
      slow.connect(new java.net.InetSocketAddress("localhost", server.port()));
      OutputStream out = slow.getOutputStream();
      out.write(
          ("GET " + server.path() + "api/realtime/stream?channel=jobs.slow&access_token=" + token + " HTTP/1.1\r\n"
                  + "Host: localhost\r\nAccept: text/event-stream\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      try (SseClient fast = SseClient.open(server, "api/realtime/stream?channel=jobs.slow&access_token=" + token)) {
        fast.next(); // connected
        waitFor(() -> server.connections().getInt("sse") == before + 2);

        String blob = "\"" + "x".repeat(8000) + "\"";
        List<String> ids = new ArrayList<>();
        // Publish until the slow reader is cut (its socket buffers and its queue full), bounded.
        while (slowConsumerCuts() == cutBefore && ids.size() < 4000) {
          for (int i = 0; i < 50; i++) {
            ids.add(server.publish(publisher, "jobs.slow", "chunk", blob).json().getString("id"));
          }
        }
        assertTrue(slowConsumerCuts() > cutBefore, "the slow reader was cut off as a slow consumer");
        for (String id : ids) {
          assertEquals(id, fast.next().id(), "the fast reader still gets every event, in order");
        }
        assertEquals(before + 1, server.connections().getInt("sse"), "only the fast reader remains");
        slow.setSoTimeout((int) Timeouts.EVENT.toMillis());
        assertTrue(endsWithin(slow.getInputStream()), "the slow reader's stream was ended by the server");
      }
    }
  }

  private double slowConsumerCuts() {
    return Metrics.value(server, "herald_connections_closed_total", "reason=\"slow_consumer\"", "transport=\"sse\"");
  }

  /**
   * Drains the socket: true when the server ended the response (the last chunk of an HTTP/1.1
   * chunked body, which is what makes an EventSource reconnect) or closed the connection.
   */
  private static boolean endsWithin(InputStream in) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    byte[] tail = new byte[0];
    try {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        // keep only the last bytes: what the server wrote before giving up is of no interest
        byte[] joined = java.util.Arrays.copyOf(tail, tail.length + n);
        System.arraycopy(buffer, 0, joined, tail.length, n);
        tail = java.util.Arrays.copyOfRange(joined, Math.max(0, joined.length - 16), joined.length);
        if (new String(tail, StandardCharsets.US_ASCII).endsWith("\r\n0\r\n\r\n")) {
          return true;
        }
      }
      return true;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + Timeouts.EVENT);
      }
      Thread.sleep(50);
    }
  }

  private static List<String> strings(JsonObject connected) {
    return connected.getJsonArray("channels").getValuesAs(jakarta.json.JsonString.class).stream()
        .map(jakarta.json.JsonString::getString)
        .toList();
  }

  @Test
  void withFormatMessagesEveryFrameIsOneUnnamedMessageNamingItsTypeAndHeartbeatsAreVisible() throws Exception {
    String alice = Tokens.subscriber("alice");
    try (SseClient stream = SseClient.open(server, "api/realtime/stream?channel=jobs.m1&format=messages&access_token=" + alice)) {
      SseClient.Event hello = stream.next();
      assertEquals("message", hello.name(), "no event name: one onmessage takes every frame");
      assertEquals("connected", hello.json().getString("type"));
      assertNotNull(hello.retry());
      String id = server.publish(publisher, "jobs.m1", "job.update", "{\"pct\":5}").json().getString("id");
      SseClient.Event event = stream.next();
      while ("heartbeat".equals(event.json().getString("type"))) {
        event = stream.next();
      }
      assertEquals("message", event.name());
      assertEquals("event", event.json().getString("type"));
      assertEquals("job.update", event.json().getString("event"));
      assertEquals(id, event.id(), "the id is the position, as in the named form");
      SseClient.Event beat = stream.next(java.time.Duration.ofMillis(3 * HEARTBEAT_MS));
      assertNotNull(beat, "a heartbeat within the interval");
      assertEquals("heartbeat", beat.json().getString("type"), "visible to scripts, unlike the comment");
    }
    Server.Reply bad = server.get("api/realtime/stream?channel=jobs.m1&format=xml&access_token=" + alice);
    assertEquals(400, bad.status());
    assertEquals("INVALID_REQUEST", bad.code());
  }

  @Test
  void withHeartbeatEventAnEventSourceCanListenForHeartbeatsByName() throws Exception {
    String alice = Tokens.subscriber("alice");
    try (SseClient stream = SseClient.open(server, "api/realtime/stream?channel=jobs.h1&heartbeat=event&access_token=" + alice)) {
      assertEquals("connected", stream.next().name(), "named events, as by default");
      SseClient.Event beat = stream.next(java.time.Duration.ofMillis(3 * HEARTBEAT_MS));
      assertNotNull(beat, "a heartbeat within the interval");
      assertEquals("heartbeat", beat.name(), "addEventListener('heartbeat', ...) sees it");
      assertEquals("heartbeat", beat.json().getString("type"));
      assertNull(beat.id(), "a heartbeat is no position");
    }
    Server.Reply bad = server.get("api/realtime/stream?channel=jobs.h1&heartbeat=loud&access_token=" + alice);
    assertEquals(400, bad.status());
    assertEquals("INVALID_REQUEST", bad.code());
  }
}
