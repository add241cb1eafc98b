package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import jakarta.json.JsonObject;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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

/** Connections end when their token does (plus the spread); a WebSocket refresh extends one losslessly. */
@ExtendWith(ArquillianExtension.class)
class TokenLifetimeIT {
  private static final long SPREAD_MS = 500;
  /** How late the end may come after exp + spread: the scheduler and the network. */
  private static final long SLACK_MS = 1000;

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(
        Map.of("herald.security.expiry-spread-ms", String.valueOf(SPREAD_MS), "mp.jwt.verify.clock.skew", "0"));
  }

  @ArquillianResource URL url;
  private Server server;
  private final String publisher = Tokens.publisher("backend");

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  /** JWT exp has whole seconds: the token's real expiry, a few seconds from now. */
  private static Instant expiryIn(int seconds) {
    return Instant.now().plusSeconds(seconds).truncatedTo(ChronoUnit.SECONDS);
  }

  private static void assertEndedInWindow(Instant exp, Instant endedAt) {
    long late = Duration.between(exp, endedAt).toMillis();
    assertTrue(late >= 0, "not before exp (" + late + " ms)");
    assertTrue(late <= SPREAD_MS + SLACK_MS, "within a second of exp plus the spread (" + late + " ms)");
  }

  @Test
  void anSseStreamGetsTokenExpiredThenEndsAtExp() throws Exception {
    Instant exp = expiryIn(3);
    String token = Tokens.forUser("sse-user").subscribe("jobs.*").expiresAt(exp).sign();
    try (SseClient stream = SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + token)) {
      stream.next(); // connected
      SseClient.Event last = stream.next(Duration.ofSeconds(10));
      Instant endedAt = Instant.now();
      assertNotNull(last);
      assertEquals("token_expired", last.name());
      assertEquals("token_expired", last.json().getString("type"));
      assertEndedInWindow(exp, endedAt);
      long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
      while (!stream.ended() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(stream.ended(), "then the stream ends");
    }
  }

  @Test
  void aWebSocketIsClosedWith4001AtExp() throws Exception {
    Instant exp = expiryIn(3);
    try (WsClient ws = WsClient.connect(server, Tokens.forUser("ws-user").expiresAt(exp).sign())) {
      ws.next(); // connected
      WsClient.Close close = ws.awaitClose(Duration.ofSeconds(10));
      Instant endedAt = Instant.now();
      assertNotNull(close);
      assertEquals(4001, close.code(), close.reason());
      assertEndedInWindow(exp, endedAt);
    }
  }

  @Test
  void aRefreshBeforeExpKeepsTheSocketOpenAndLosesNothing() throws Exception {
    Instant exp = expiryIn(3);
    try (WsClient ws = WsClient.connect(server, Tokens.forUser("rita").subscribe("jobs.*").expiresAt(exp).sign())) {
      ws.next();
      ws.subscribe("jobs.r");
      JsonObject wrongUser = ws.call("refresh", "\"token\":\"" + Tokens.forUser("someone").sign() + "\"");
      assertEquals("PERMISSION_DENIED", wrongUser.getString("code"));
      assertEquals("INVALID_TOKEN", ws.call("refresh", "\"token\":\"garbage\"").getString("code"));

      String fresh = Tokens.forUser("rita").subscribe("jobs.*").expiresAt(Instant.now().plusSeconds(3600)).sign();
      JsonObject ok = ws.call("refresh", "\"token\":\"" + fresh + "\"");
      assertEquals("ok", ok.getString("type"), ok.toString());

      // Publish across the old expiry (plus spread and slack): every event arrives, the socket stays.
      List<String> ids = new ArrayList<>();
      Instant until = exp.plusMillis(SPREAD_MS + SLACK_MS + 500);
      while (Instant.now().isBefore(until)) {
        ids.add(server.publish(publisher, "jobs.r", "tick", "1").json().getString("id"));
        Thread.sleep(100);
      }
      for (String id : ids) {
        assertEquals(id, ws.nextOfType("event").getString("id"));
      }
      assertNull(ws.awaitClose(Duration.ofMillis(200)), "still open after the old token's exp");
      assertEquals("pong", ws.call("ping", "").getString("type"));
    }
  }

  @Test
  void aRefreshEndsTheSubscriptionsTheNewTokenNoLongerAllowsAndTellsWhy() throws Exception {
    String docs = Tokens.forUser("rosa").claim("channel", "docs.kept").sign(); // a subscription token
    try (WsClient ws = WsClient.connect(server, Tokens.forUser("rosa").subscribe("jobs.*").sign())) {
      ws.nextOfType("connected");
      ws.subscribe("jobs.revoked");
      assertEquals("ok", ws.call("subscribe", "\"channel\":\"docs.kept\",\"token\":\"" + docs + "\"").getString("type"));
      ws.subscribe("chat.open"); // any user may: not a grant of the token

      // the user lost the jobs grant since; the refreshed token says so
      JsonObject ok = ws.call("refresh", "\"token\":\"" + Tokens.forUser("rosa").sign() + "\"");
      assertEquals("ok", ok.getString("type"), ok.toString());
      JsonObject ended = ws.nextOfType("unsubscribed");
      assertEquals("jobs.revoked", ended.getString("channel"));
      assertEquals("PERMISSION_DENIED", ended.getString("code"));

      server.publish(publisher, "jobs.revoked", "secret", "1");
      String kept = server.publish(publisher, "docs.kept", "still", "2").json().getString("id");
      String open = server.publish(publisher, "chat.open", "still", "3").json().getString("id");
      assertEquals(kept, ws.nextOfType("event").getString("id"), "the subscription token's channel stays");
      assertEquals(open, ws.nextOfType("event").getString("id"), "and what any user may see");
      assertNull(ws.poll(Timeouts.QUIET), "nothing more from the revoked channel");
    }
  }

  @Test
  void aSubscriptionOpenedByASubscriptionTokenEndsWhenThatTokenExpiresOnEveryTransport() throws Exception {
    Instant exp = expiryIn(3);
    String access = Tokens.forUser("sam").sign(); // valid for an hour; no grant for docs
    String wsToken = Tokens.forUser("sam").claim("channel", "docs.short").expiresAt(exp).sign();
    String sseToken = Tokens.forUser("sam").claim("channel", "docs.short2").expiresAt(exp).sign();
    try (WsClient ws = WsClient.connect(server, access);
        SseClient sse =
            SseClient.open(
                server,
                "api/realtime/stream?channel=docs.short2&channel=chat.stays&access_token=" + access + "&subscription_token=" + sseToken)) {
      ws.nextOfType("connected");
      assertEquals("ok", ws.call("subscribe", "\"channel\":\"docs.short\",\"token\":\"" + wsToken + "\"").getString("type"));
      ws.subscribe("chat.stays");
      assertEquals("connected", sse.next().name());

      JsonObject ended = ws.nextOfType("unsubscribed");
      assertEndedInWindow(exp, Instant.now());
      assertEquals("docs.short", ended.getString("channel"));
      assertEquals("TOKEN_EXPIRED", ended.getString("code"));
      SseClient.Event sseEnded = sse.next(Duration.ofSeconds(10));
      assertEquals("unsubscribed", sseEnded.name());
      assertEquals("docs.short2", sseEnded.json().getString("channel"));

      server.publish(publisher, "docs.short", "late", "1");
      server.publish(publisher, "docs.short2", "late", "1");
      String stays = server.publish(publisher, "chat.stays", "ok", "2").json().getString("id");
      assertEquals(stays, ws.nextOfType("event").getString("id"), "the connection and its other channels stay");
      assertEquals(stays, sse.next().id(), "on SSE too");
      assertNull(ws.poll(Timeouts.QUIET));
      assertNull(sse.next(Timeouts.QUIET));
    }
  }
}
