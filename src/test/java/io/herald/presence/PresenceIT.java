package io.herald.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.PollClient;
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
import java.util.Set;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Member lists as browsers see them, with the default presence settings: the list first, then
 * joins and leaves, on WebSocket and SSE; one member per user; the rights of subscribing; the REST
 * list and {@code presence.get}. (Clients without a WebSocket: PresenceRouteIT; idle clients:
 * PresenceIdleIT; several instances: PresenceClusterIT.)
 */
@ExtendWith(ArquillianExtension.class)
class PresenceIT {
  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(
        Map.of("herald.sse.heartbeat-ms", "500", "herald.poll.session-timeout-ms", "1500"), Set.of(HeraldDeployment.CHAT_PRESENCE, HeraldDeployment.DOCS_PRESENCE));
  }

  @ArquillianResource URL url;
  private Server server;

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  static String token(String user) {
    return Tokens.forUser(user).subscribe("docs.*").claim("name", "User " + user).claim("picture", "https://example.com/" + user + ".png").sign();
  }

  static WsClient connect(Server server, String token) throws InterruptedException {
    WsClient client = WsClient.connect(server, token);
    assertEquals("connected", client.next().getString("type"));
    return client;
  }

  /** The next presence frame of {@code action}, skipping other frames (kept for later reads). */
  static JsonObject presence(WsClient client, String action) throws InterruptedException {
    return client.next(f -> "presence".equals(f.getString("type")) && action.equals(f.getString("action")));
  }

  /** The next presence frame of {@code action} about {@code user}. */
  static JsonObject presence(WsClient client, String action, String user) throws InterruptedException {
    return client.next(f -> "presence".equals(f.getString("type")) && action.equals(f.getString("action")) && users(f).contains(user));
  }

  static List<String> users(JsonObject frame) {
    List<String> users = new ArrayList<>();
    frame.getJsonArray("members").forEach(m -> users.add(m.asJsonObject().getString("userId")));
    return users;
  }

  /** The next SSE event that is a presence frame. */
  static JsonObject ssePresence(SseClient sse) throws InterruptedException {
    SseClient.Event event = sse.next();
    while (!"presence".equals(event.name())) {
      event = sse.next();
    }
    return event.json();
  }

  @Test
  void aSubscriberGetsTheListFirstThenJoinsAndLeavesOverWebSocketAndSse() throws Exception {
    try (WsClient alice = connect(server, token("alice"))) {
      alice.subscribe("docs.p1");
      JsonObject empty = presence(alice, "snapshot");
      assertEquals("docs.p1", empty.getString("channel"));
      assertEquals(0, empty.getInt("count"));
      JsonObject self = presence(alice, "join").getJsonArray("members").getJsonObject(0);
      assertEquals("alice", self.getString("userId"));
      assertEquals("User alice", self.getString("name"), "from the token's name claim");
      assertEquals("https://example.com/alice.png", self.getString("avatar"));
      assertEquals(Colors.DEFAULT.of("alice"), self.getString("color"));
      assertEquals("online", self.getString("status"));
      assertEquals(0, self.getJsonObject("state").size());
      assertFalse(self.getBoolean("typing"));

      try (SseClient bob = SseClient.open(server, "api/realtime/stream?channel=docs.p1&access_token=" + token("bob"))) {
        assertEquals("connected", bob.next().name());
        JsonObject list = ssePresence(bob);
        assertEquals("snapshot", list.getString("action"));
        assertEquals(List.of("alice"), users(list), "the list as it is, before anything live");
        JsonObject joined = ssePresence(bob);
        assertEquals("join", joined.getString("action"));
        assertEquals(List.of("bob"), users(joined));
        assertEquals(2, joined.getInt("count"));
        assertEquals(2, joined.getInt("online"));
        assertEquals(List.of("bob"), users(presence(alice, "join")));
      }
      JsonObject left = presence(alice, "leave", "bob");
      assertEquals(1, left.getInt("count"), "the SSE stream's end is noticed by its heartbeats");
    }
  }

  @Test
  void listsAreInTheOrderOfJoinsAndAUserWithTabsOnWebSocketSseAndLongPollIsOneMemberThatLeavesOnce() throws Exception {
    try (WsClient dave = connect(server, token("dave"))) {
      dave.subscribe("docs.p2");
      presence(dave, "join", "dave");
      WsClient carolWs = connect(server, token("carol"));
      carolWs.subscribe("docs.p2");
      presence(dave, "join", "carol");
      SseClient carolSse = SseClient.open(server, "api/realtime/stream?channel=docs.p2&access_token=" + token("carol"));
      PollClient carolPoll = PollClient.open(server, token("carol"), "docs.p2");
      try (WsClient erin = connect(server, token("erin"))) {
        erin.subscribe("docs.p2");
        JsonObject list = presence(erin, "snapshot");
        assertEquals(List.of("dave", "carol"), users(list), "one carol, in the order of joins");
      }
      presence(dave, "join", "erin");
      presence(dave, "leave", "erin");
      JsonObject rest = server.get("api/channels/docs.p2/presence", token("dave")).json();
      assertEquals(List.of("dave", "carol"), users(rest));
      assertEquals(2, rest.getInt("count"));

      carolWs.close();
      carolSse.close();
      assertNull(
          pollFor(dave, f -> "presence".equals(f.getString("type")) && users(f).contains("carol")),
          "while one of her tabs is open, carol stays, unchanged");
      carolPoll.close(); // the long-poll tab stops polling: its session times out
      assertEquals(List.of("carol"), users(presence(dave, "leave", "carol")));
      assertNull(
          pollFor(dave, f -> "presence".equals(f.getString("type")) && users(f).contains("carol")), "she left once");
    }
  }

  /** The next frame matching within {@link Timeouts#QUIET} x 3, or null. */
  private static JsonObject pollFor(WsClient client, java.util.function.Predicate<JsonObject> wanted) throws InterruptedException {
    long deadline = System.nanoTime() + Timeouts.QUIET.multipliedBy(3).toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject frame = client.poll(java.time.Duration.ofMillis(100));
      if (frame != null && wanted.test(frame)) {
        return frame;
      }
    }
    return null;
  }

  @Test
  void presenceFollowsTenantsAndTheRightsOfSubscribing() throws Exception {
    String acme = Tokens.forUser("alice").tenant("acme").subscribe("docs.*").sign();
    String globex = Tokens.forUser("gina").tenant("globex").subscribe("docs.*").sign();
    try (WsClient alice = connect(server, acme);
        WsClient gina = connect(server, globex)) {
      alice.subscribe("docs.t1");
      presence(alice, "join", "alice");
      gina.subscribe("docs.t1");
      assertEquals(List.of(), users(presence(gina, "snapshot")), "another tenant's docs.t1 is another channel");
      assertEquals(List.of("gina"), users(server.get("api/channels/docs.t1/presence", globex).json()));
      assertEquals(List.of("alice"), users(server.get("api/channels/docs.t1/presence", acme).json()));

      String noGrant = Tokens.forUser("mallory").tenant("acme").sign();
      Server.Reply refused = server.get("api/channels/docs.t1/presence", noGrant);
      assertEquals(403, refused.status());
      assertEquals("PERMISSION_DENIED", refused.code());
      try (WsClient mallory = connect(server, noGrant)) {
        JsonObject error = mallory.call("presence.get", "\"channel\":\"docs.t1\"");
        assertEquals("PERMISSION_DENIED", error.getString("code"));
        String subscriptionToken = Tokens.forUser("mallory").tenant("acme").claim("channel", "docs.t1").sign();
        JsonObject ok = mallory.call("presence.get", "\"channel\":\"docs.t1\",\"token\":\"" + subscriptionToken + "\"");
        assertEquals("ok", ok.getString("type"));
        assertEquals(List.of("alice"), users(ok));
        assertEquals(1, ok.getInt("online"));
      }
      String jobs = Tokens.forUser("alice").tenant("acme").subscribe("jobs.*").sign();
      Server.Reply none = server.get("api/channels/jobs.1/presence", jobs);
      assertEquals(404, none.status(), "jobs keeps no member lists");
      assertEquals("NOT_FOUND", none.code());
      assertTrue(server.get("api/channels/docs.t1/presence", acme).header("Cache-Control").contains("no-store"));
    }
  }

  @Test
  void badPresenceMessagesGetDocumentedErrorsAndTheSocketLives() throws Exception {
    try (WsClient alice = connect(server, token("alice"))) {
      assertEquals("PERMISSION_DENIED", alice.call("presence.update", "\"channel\":\"docs.e1\",\"state\":{}").getString("code"),
          "not subscribed: not a member");
      alice.subscribe("docs.e1");
      String big = "x".repeat(2000);
      assertEquals("INVALID_MESSAGE", alice.call("presence.update", "\"channel\":\"docs.e1\",\"state\":{\"s\":\"" + big + "\"}").getString("code"));
      assertEquals("INVALID_MESSAGE", alice.call("presence.update", "\"channel\":\"docs.e1\",\"state\":[1]").getString("code"));
      assertEquals("INVALID_MESSAGE", alice.call("presence.update", "\"channel\":\"docs.e1\",\"status\":\"asleep\"").getString("code"));
      assertEquals("INVALID_MESSAGE", alice.call("presence.update", "\"channel\":\"docs.e1\"").getString("code"));
      String jobsToken = Tokens.forUser("alice").subscribe("jobs.*").sign();
      try (WsClient jobs = connect(server, jobsToken)) {
        jobs.subscribe("jobs.e1");
        assertEquals("NOT_FOUND", jobs.call("presence.update", "\"channel\":\"jobs.e1\",\"state\":{}").getString("code"));
        assertEquals("NOT_FOUND", jobs.call("presence.get", "\"channel\":\"jobs.e1\"").getString("code"));
      }
      JsonObject ok = alice.call("presence.update", "\"channel\":\"docs.e1\",\"state\":{\"cursor\":{\"x\":1,\"y\":2}}");
      assertEquals("ok", ok.getString("type"), "the socket lives on");
    }
  }
}
