package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Metrics;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import jakarta.json.JsonObject;
import java.net.URL;
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

/** Abuse limits: a flooding client is throttled then closed; connection and publish limits hold. */
@ExtendWith(ArquillianExtension.class)
class LimitsIT {
  private static final int BURST = 20;
  private static final int PER_SECOND = 5;
  private static final int PER_USER = 3;
  private static final int PER_IP = 8;

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(
        Map.of(
            "herald.sse.heartbeat-ms", "1000",
            "herald.limits.messages.burst", String.valueOf(BURST),
            "herald.limits.messages.per-second", String.valueOf(PER_SECOND),
            "herald.limits.messages.close-after-refused", "40",
            "herald.limits.connections.per-user", String.valueOf(PER_USER),
            "herald.limits.connections.per-ip", String.valueOf(PER_IP),
            "herald.limits.publish.burst", "10",
            "herald.limits.publish.per-second", "2"));
  }

  @ArquillianResource URL url;
  private Server server;

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  @Test
  void aClientFloodingAtTenTimesItsRateIsThrottledThenClosedWhileAnotherGetsEverything() throws Exception {
    try (WsClient flooder = WsClient.connect(server, Tokens.forUser("flood").sign());
        WsClient bystander = WsClient.connect(server, Tokens.subscriber("calm"))) {
      flooder.next();
      bystander.next();
      bystander.subscribe("jobs.calm");
      List<String> ids = new ArrayList<>();
      int throttled = 0;
      long gapNanos = 1_000_000_000L / (10 * PER_SECOND); // ten times the allowed rate
      for (int i = 0; i < 400 && flooder.isOpen(); i++) {
        flooder.sendRaw("{\"type\":\"ping\",\"id\":\"" + i + "\"}");
        if (i % 10 == 0) {
          // a publisher of its own each time: this deployment's publish rate is deliberately tiny
          ids.add(server.publish(Tokens.publisher("backend-" + i), "jobs.calm", "tick", String.valueOf(i)).json().getString("id"));
        }
        long until = System.nanoTime() + gapNanos;
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
      }
      JsonObject frame;
      while ((frame = flooder.poll(java.time.Duration.ofMillis(300))) != null) {
        if ("error".equals(frame.getString("type"))) {
          assertEquals("RATE_LIMIT_EXCEEDED", frame.getString("code"));
          throttled++;
        }
      }
      assertTrue(throttled > 0, "the flooder was told it is over the limit");
      WsClient.Close close = flooder.awaitClose(Timeouts.EVENT);
      assertNotNull(close, "sustained flooding closes the connection");
      assertEquals(4029, close.code(), close.reason());
      for (String id : ids) {
        assertEquals(id, bystander.nextOfType("event").getString("id"), "the bystander got every event");
      }
      assertTrue(Metrics.value(server, "herald_limits_refused_total", "limit=\"messages\"") > 0);
    }
  }

  @Test
  void connectionsPerUserAreLimitedOnEveryTransport() throws Exception {
    String token = Tokens.subscriber("many");
    List<AutoCloseable> open = new ArrayList<>();
    try {
      SseClient first = SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + token);
      first.next();
      open.add(first);
      for (int i = 1; i < PER_USER; i++) {
        WsClient ws = WsClient.connect(server, token);
        assertEquals("connected", ws.next().getString("type"));
        open.add(ws);
      }
      SseClient refusedSse = SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + token);
      assertEquals(429, refusedSse.status());
      assertTrue(refusedSse.errorBody().contains("TOO_MANY_CONNECTIONS"), refusedSse.errorBody());
      WsClient refusedWs = WsClient.connect(server, token);
      WsClient.Close close = refusedWs.awaitClose(Timeouts.EVENT);
      assertEquals(4030, close.code(), close.reason());

      first.close(); // a place is given back when a connection ends
      long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
      int status = 0;
      while (System.nanoTime() < deadline) {
        try (SseClient again = SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + token)) {
          status = again.status();
        }
        if (status == 200) {
          break;
        }
        Thread.sleep(200);
      }
      assertEquals(200, status, "after one closed, another may open");
    } finally {
      for (AutoCloseable c : open) {
        c.close();
      }
    }
  }

  @Test
  void connectionsPerAddressAreLimited() throws Exception {
    List<WsClient> open = new ArrayList<>();
    try {
      WsClient.Admission admission =
          WsClient.openUntilRefused(PER_IP + 2, i -> WsClient.connect(server, Tokens.forUser("ip-user-" + i).sign()), open);
      WsClient.Close refused = admission.refused();
      assertNotNull(refused, "a connection over the per-address limit is refused");
      assertEquals(4030, refused.code(), refused.reason());
      assertTrue(admission.accepted() <= PER_IP, admission.accepted() + " accepted");
    } finally {
      open.forEach(WsClient::close);
    }
  }

  @Test
  void thePublishApiIsRateLimitedPerPublisher() {
    String token = Tokens.publisher("chatty");
    int accepted = 0;
    Server.Reply reply = null;
    for (int i = 0; i < 30; i++) {
      reply = server.publish(token, "jobs.rate", "x", "1");
      if (reply.status() != 202) {
        break;
      }
      accepted++;
    }
    assertNotNull(reply);
    assertEquals(429, reply.status(), reply.body());
    assertEquals("RATE_LIMIT_EXCEEDED", reply.code());
    assertNotNull(reply.header("Retry-After"));
    assertTrue(accepted >= 10, "the burst went through: " + accepted);
    assertEquals(202, server.publish(Tokens.publisher("someone-else"), "jobs.rate", "x", "1").status(), "per publisher");
  }
}
