package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Who may subscribe and publish where, the same on SSE and WebSocket; tenants never mix, whether
 * events come in over HTTP, WebSocket or JMS.
 */
@ExtendWith(ArquillianExtension.class)
class ChannelPolicyIT {
  private static final String ALLOWED = "https://app.example.com";
  /** The embedded broker's TCP port: JMS is the third way events come in. */
  private static int brokerPort;
  private static final String PRODUCER_PASSWORD = "producer-secret";

  @Deployment(testable = false)
  static WebArchive deployment() throws java.io.IOException {
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      brokerPort = free.getLocalPort();
    }
    return HeraldDeployment.create(
        Map.of(
            "herald.sse.heartbeat-ms", "1000",
            "herald.security.allowed-origins", ALLOWED,
            "herald.broker.embedded.port", String.valueOf(brokerPort),
            "herald.broker.embedded.producer-password", PRODUCER_PASSWORD));
  }

  @ArquillianResource URL url;
  private Server server;

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  /** What an SSE subscribe to one channel answers: 200, or the error code. */
  private String sse(String token, String channel, String... subscriptionTokens) {
    StringBuilder path = new StringBuilder("api/realtime/stream?channel=" + channel + "&access_token=" + token);
    for (String s : subscriptionTokens) {
      path.append("&subscription_token=").append(s);
    }
    try (SseClient client = SseClient.open(server, path.toString())) {
      if (client.status() == 200) {
        return "200";
      }
      return client.status() + " " + client.errorBody().replaceAll(".*\"code\":\"([A-Z_]+)\".*", "$1");
    }
  }

  /** What a WebSocket subscribe answers: ok, or the error code. */
  private static String ws(WsClient client, String channel, String subscriptionToken) throws Exception {
    JsonObject reply =
        client.call(
            "subscribe",
            "\"channel\":\"" + channel + "\"" + (subscriptionToken == null ? "" : ",\"token\":\"" + subscriptionToken + "\""));
    return reply.getString("type").equals("ok") ? "ok" : reply.getString("code");
  }

  private WsClient connect(String token) throws Exception {
    WsClient client = WsClient.connect(server, token);
    assertEquals("connected", client.next().getString("type"));
    return client;
  }

  @Test
  void userChannelsBelongToTheirUser() throws Exception {
    String alice = Tokens.forUser("alice").sign();
    assertEquals("200", sse(alice, "user.alice"));
    assertEquals("403 PERMISSION_DENIED", sse(alice, "user.bob"));
    try (WsClient ws = connect(alice)) {
      assertEquals("ok", ws(ws, "user.alice", null));
      assertEquals("PERMISSION_DENIED", ws(ws, "user.bob", null));
    }
  }

  @Test
  void broadcastAndChatAreOpenToAnyUserButOnlyChatTakesClientPublishes() throws Exception {
    String carol = Tokens.forUser("carol").sign();
    assertEquals("200", sse(carol, "broadcast.all"));
    try (WsClient ws = connect(carol)) {
      assertEquals("ok", ws(ws, "broadcast.all", null));
      assertEquals("ok", ws(ws, "chat.lobby", null));
      assertEquals("PERMISSION_DENIED", ws.call("publish", "\"channel\":\"broadcast.all\",\"event\":\"x\"").getString("code"));
      assertEquals("ok", ws.call("publish", "\"channel\":\"chat.lobby\",\"event\":\"x\"").getString("type"));
    }
  }

  @Test
  void aGrantOpensExactlyTheChannelsItMatches() throws Exception {
    String jobsOnly = Tokens.forUser("dan").subscribe("jobs.*", "docs.7").sign();
    assertEquals("200", sse(jobsOnly, "jobs.42"));
    assertEquals("200", sse(jobsOnly, "docs.7"));
    assertEquals("403 PERMISSION_DENIED", sse(jobsOnly, "docs.8"));
    assertEquals("403 PERMISSION_DENIED", sse(jobsOnly, "presence.x"));
    assertEquals("403 PERMISSION_DENIED", sse(Tokens.forUser("eve").sign(), "jobs.42"), "no grant, no jobs");
    try (WsClient ws = connect(jobsOnly)) {
      assertEquals("ok", ws(ws, "jobs.42", null));
      assertEquals("PERMISSION_DENIED", ws(ws, "docs.8", null));
    }
  }

  @Test
  void aPublishGrantLetsAClientPublishWhereTheNamespaceDoesNot() throws Exception {
    String worker = Tokens.forUser("worker").subscribe("jobs.*").publishGrant("jobs.*").sign();
    String reader = Tokens.forUser("reader").subscribe("jobs.*").sign();
    try (WsClient w = connect(worker); WsClient r = connect(reader)) {
      r.subscribe("jobs.5");
      assertEquals("ok", w.call("publish", "\"channel\":\"jobs.5\",\"event\":\"job.update\",\"data\":7").getString("type"));
      assertEquals(7, r.nextOfType("event").getInt("data"));
      assertEquals("PERMISSION_DENIED", r.call("publish", "\"channel\":\"jobs.5\",\"event\":\"x\"").getString("code"));
    }
  }

  @Test
  void subscriptionTokensOpenOneChannelForOneUser() throws Exception {
    String frank = Tokens.forUser("frank").sign();
    String forDoc = Tokens.forUser("frank").claim("channel", "docs.7").expiresAt(Instant.now().plusSeconds(60)).sign();
    String otherDoc = Tokens.forUser("frank").claim("channel", "docs.8").sign();
    String otherUser = Tokens.forUser("gina").claim("channel", "docs.7").sign();
    String forged = Tokens.forUser("frank").claim("channel", "docs.7").signedBy(io.herald.testing.TestKeys.ATTACKER).sign();

    assertEquals("403 PERMISSION_DENIED", sse(frank, "docs.7"), "refused without one");
    assertEquals("200", sse(frank, "docs.7", forDoc));
    assertEquals("200", sse(frank, "docs.7", otherDoc, forDoc), "the fitting one of several is found");
    assertEquals("403 PERMISSION_DENIED", sse(frank, "docs.7", otherDoc), "one for another channel");
    assertEquals("403 PERMISSION_DENIED", sse(frank, "docs.7", otherUser), "one for another user");
    assertEquals("401 INVALID_TOKEN", sse(frank, "docs.7", forged), "one not signed by a trusted key");
    try (WsClient ws = connect(frank)) {
      assertEquals("PERMISSION_DENIED", ws(ws, "docs.7", null));
      assertEquals("PERMISSION_DENIED", ws(ws, "docs.7", otherDoc));
      assertEquals("PERMISSION_DENIED", ws(ws, "docs.7", otherUser));
      assertEquals("ok", ws(ws, "docs.7", forDoc));
    }
  }

  @Test
  void webSocketOriginsOnTheAllowlistOrTheSameOriginOrNoneAreLetIn() throws Exception {
    String token = Tokens.forUser("olga").sign();
    for (String origin : new String[] {ALLOWED, "http://localhost:" + server.port()}) {
      try (WsClient ws = WsClient.connectFrom(server, token, origin)) {
        assertEquals("connected", ws.next().getString("type"), origin);
      }
    }
    try (WsClient noOrigin = WsClient.connect(server, token)) {
      assertEquals("connected", noOrigin.next().getString("type"), "a non-browser client: its token decides");
    }
    try (WsClient evil = WsClient.connectFrom(server, token, "https://evil.example")) {
      WsClient.Close close = evil.awaitClose(Timeouts.EVENT);
      assertEquals(1008, close.code());
      assertTrue(close.reason().contains("Origin"), close.reason());
    }
  }

  @Test
  void corsFollowsTheSameAllowlistAndNeverPairsAStarWithCredentials() {
    Server.Reply allowed =
        Server.send(java.net.http.HttpRequest.newBuilder(server.uri("api/realtime/status")).header("Origin", ALLOWED).GET());
    assertEquals(ALLOWED, allowed.header("Access-Control-Allow-Origin"));
    assertEquals("true", allowed.header("Access-Control-Allow-Credentials"));
    Server.Reply evil =
        Server.send(
            java.net.http.HttpRequest.newBuilder(server.uri("api/realtime/status")).header("Origin", "https://evil.example").GET());
    assertEquals(null, evil.header("Access-Control-Allow-Origin"), "no CORS headers for other origins");
    Server.Reply preflight =
        Server.send(
            java.net.http.HttpRequest.newBuilder(server.uri("api/channels/jobs.1/events"))
                .header("Origin", ALLOWED)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type")
                .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody()));
    assertEquals(204, preflight.status());
    assertEquals(ALLOWED, preflight.header("Access-Control-Allow-Origin"));
    assertTrue(preflight.header("Access-Control-Allow-Methods").contains("POST"));
    assertTrue(preflight.header("Access-Control-Allow-Headers").contains("Authorization"));
  }

  @Test
  void randomizedTrialsNeverCrossTenants() throws Exception {
    Random random = new Random(42);
    String[] tenants = {"acme", "globex"};
    Map<String, SseClient> sse = new HashMap<>();
    Map<String, WsClient> ws = new HashMap<>();
    Map<String, String> publishers = new HashMap<>();
    Map<String, WsClient> chatters = new HashMap<>();
    try {
      for (String tenant : tenants) {
        String token = Tokens.forUser("u-" + tenant).tenant(tenant).subscribe("jobs.*").sign();
        SseClient s = SseClient.open(server, "api/realtime/stream?channel=jobs.42&channel=chat.room&access_token=" + token);
        s.next();
        sse.put(tenant, s);
        WsClient w = connect(token);
        w.subscribe("jobs.42");
        w.subscribe("chat.room");
        ws.put(tenant, w);
        publishers.put(tenant, Tokens.forUser("backend-" + tenant).tenant(tenant).groups("publisher").sign());
        chatters.put(tenant, connect(Tokens.forUser("c-" + tenant).tenant(tenant).sign()));
      }
      Map<String, List<String>> expected = new HashMap<>();
      Map<String, Integer> entries = new HashMap<>();
      for (String tenant : tenants) {
        expected.put(tenant, new ArrayList<>());
      }
      jakarta.jms.ConnectionFactory factory =
          new org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort);
      for (int trial = 0; trial < 60; trial++) {
        String tenant = tenants[random.nextInt(2)];
        String marker = tenant + "-" + trial;
        int entry = random.nextInt(3);
        entries.put(marker, entry);
        if (entry == 0) {
          assertEquals(202, server.publish(publishers.get(tenant), "jobs.42", "t", "\"" + marker + "\"").status());
          expected.get(tenant).add("jobs.42:" + marker);
        } else if (entry == 1) {
          try (jakarta.jms.JMSContext producer = factory.createContext("producer", PRODUCER_PASSWORD)) {
            jakarta.jms.TextMessage m = producer.createTextMessage("\"" + marker + "\"");
            m.setStringProperty("channel", "jobs.42");
            m.setStringProperty("event", "t");
            m.setStringProperty("tenant", tenant);
            producer.createProducer().send(producer.createTopic("herald.events"), m);
          }
          expected.get(tenant).add("jobs.42:" + marker);
        } else {
          JsonObject ok =
              chatters.get(tenant).call("publish", "\"channel\":\"chat.room\",\"event\":\"t\",\"data\":\"" + marker + "\"");
          assertEquals("ok", ok.getString("type"));
          expected.get(tenant).add("chat.room:" + marker);
        }
      }
      for (String tenant : tenants) {
        List<String> want = expected.get(tenant);
        List<String> viaSse = new ArrayList<>();
        List<String> viaWs = new ArrayList<>();
        for (int i = 0; i < want.size(); i++) {
          JsonObject e = sse.get(tenant).next().json();
          viaSse.add(e.getString("channel") + ":" + e.getString("data"));
          JsonObject f = ws.get(tenant).nextOfType("event");
          viaWs.add(f.getString("channel") + ":" + f.getString("data"));
          assertEquals(tenant, e.getString("tenant"));
        }
        // Each way in keeps its own order; a producer's JMS message joins the topic's order when
        // the ingress moves it there, so against the others it may come a little earlier or later.
        assertEquals(inOrderPerWayIn(want, entries), inOrderPerWayIn(viaSse, entries), "SSE of " + tenant + " got exactly its tenant's events, in order");
        assertEquals(inOrderPerWayIn(want, entries), inOrderPerWayIn(viaWs, entries), "WebSocket of " + tenant + " got exactly its tenant's events, in order");
        assertEquals(null, sse.get(tenant).next(Timeouts.QUIET), "and nothing of the other tenant");
        assertEquals(null, ws.get(tenant).poll(Duration.ofMillis(200)), "and nothing of the other tenant");
      }
    } finally {
      sse.values().forEach(SseClient::close);
      ws.values().forEach(WsClient::close);
      chatters.values().forEach(WsClient::close);
    }
  }

  /** The events grouped by the way they came in (HTTP, JMS, WebSocket), each group in order. */
  private static Map<Integer, List<String>> inOrderPerWayIn(List<String> events, Map<String, Integer> entries) {
    Map<Integer, List<String>> byEntry = new java.util.TreeMap<>();
    for (String event : events) {
      byEntry.computeIfAbsent(entries.get(event.substring(event.indexOf(':') + 1)), k -> new ArrayList<>()).add(event);
    }
    return byEntry;
  }
}
