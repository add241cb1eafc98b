package io.herald.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Metrics;
import io.herald.testing.Server;
import io.herald.testing.SlowReader;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import java.net.URL;
import java.time.Duration;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Server pings: a peer that answers stays, one that has gone silent is closed with 4002 and
 * cleaned up. The JDK client answers pings while it reads and not at all once it stops reading,
 * which is what a frozen or vanished browser looks like from the server.
 */
@ExtendWith(ArquillianExtension.class)
class LivenessIT {
  private static final long PING_MS = 500;
  private static final long STALL_MS = 2000;

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(Map.of("herald.ws.ping-ms", String.valueOf(PING_MS), "herald.ws.write-stall-ms", String.valueOf(STALL_MS)));
  }

  @ArquillianResource URL url;
  private Server server;

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  @Test
  void aPeerThatAnswersPingsStaysOpen() throws Exception {
    try (WsClient client = WsClient.connect(server, Tokens.forUser("alive").sign())) {
      client.next(); // connected
      Thread.sleep(5 * PING_MS); // well past two intervals, with pings answered meanwhile
      assertTrue(client.isOpen());
      assertEquals("pong", client.call("ping", "").getString("type"));
    }
  }

  @Test
  void aPeerThatKeepsTalkingButStopsReadingIsClosedAsSlowOnceAWriteStalls() throws Exception {
    double slowBefore = closes("slow_consumer");
    double silentBefore = closes("no_pong");
    StringBuilder status = new StringBuilder();
    // across an emulated network (small receive buffer and segments): the server's write blocks
    // after a few tens of KB, with far fewer frames queued than the queue's bound
    try (SlowReader stuck = SlowReader.webSocket(server, Tokens.subscriber("stuck"), status)) {
      assertTrue(status.toString().contains(" 101 "), status.toString());
      stuck.sendText("{\"type\":\"subscribe\",\"channel\":\"jobs.stall-ws\"}");
      String publisher = Tokens.publisher("backend");
      String blob = "\"" + "s".repeat(8000) + "\"";
      for (int i = 0; i < 40; i++) {
        server.publish(publisher, "jobs.stall-ws", "chunk", blob);
      }
      long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
      while (closes("slow_consumer") == slowBefore && System.nanoTime() < deadline) {
        stuck.sendText("{\"type\":\"ping\"}"); // it keeps talking: never silent, so pings do not catch it
        Thread.sleep(200);
      }
      assertTrue(closes("slow_consumer") > slowBefore, "closed as a slow consumer once a write waited " + STALL_MS + " ms");
      assertEquals(silentBefore, closes("no_pong"), "not for silence: it kept sending");
    }
  }

  private double closes(String reason) {
    return Metrics.value(server, "herald_connections_closed_total", "reason=\"" + reason + "\"", "transport=\"websocket\"");
  }

  @Test
  void aSilentPeerIsClosedWith4002AndLeavesTheCounts() throws Exception {
    double before = Metrics.value(server, "herald_connections_closed_total", "reason=\"no_pong\"", "transport=\"websocket\"");
    int open = server.connections().getInt("websocket");
    try (WsClient silent = WsClient.connectNotReading(server, Tokens.forUser("frozen").sign())) {
      long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
      while (Metrics.value(server, "herald_connections_closed_total", "reason=\"no_pong\"", "transport=\"websocket\"") == before
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(
          Metrics.value(server, "herald_connections_closed_total", "reason=\"no_pong\"", "transport=\"websocket\"") > before,
          "closed for not answering pings");
      assertEquals(open, server.connections().getInt("websocket"), "and gone from the counts");
      silent.resumeReading();
      WsClient.Close close = silent.awaitClose(Timeouts.EVENT);
      assertNotNull(close);
      assertEquals(4002, close.code(), close.reason());
    }
  }
}
