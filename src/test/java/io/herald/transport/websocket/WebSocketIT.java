package io.herald.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Metrics;
import io.herald.testing.Metrics;
import io.herald.testing.Server;
import io.herald.testing.SlowReader;
import io.herald.testing.SseClient;
import io.herald.testing.TestKeys;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import jakarta.json.JsonObject;
import java.net.URL;
import java.time.Duration;
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

/** The herald.v1 WebSocket protocol against a real Payara Micro, with the JDK's WebSocket client. */
@ExtendWith(ArquillianExtension.class)
class WebSocketIT {
  private static final long TYPING_TIMEOUT_MS = 1000;

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(
        Map.of(
            "herald.ws.typing-timeout-ms", String.valueOf(TYPING_TIMEOUT_MS),
            "herald.ws.queue-size", "64",
            // a slow client's close frame waits behind its write in flight for this long; the
            // default 5 s can be too short for the slow-consumer test to read again on a loaded
            // CI machine (it would get the documented abrupt end instead of 4008)
            "herald.ws.close-grace-ms", "30000",
            // no pings: a ping waiting in the slow client's buffer is answered once it reads
            // again, after the server has closed the socket, and the reset that earns it drops
            // the close frame still unread (protocol.md, 4008); LivenessIT covers pings
            "herald.ws.ping-ms", "600000",
            "herald.connection.max-subscriptions", "5",
            "herald.limits.publish.burst", "100000"));
  }

  @ArquillianResource URL url;
  private Server server;
  private final String publisher = Tokens.publisher("backend");

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  private WsClient connect(String user) throws InterruptedException {
    WsClient client = WsClient.connect(server, Tokens.subscriber(user));
    JsonObject connected = client.next();
    assertEquals("connected", connected.getString("type"));
    assertEquals(user, connected.getString("userId"));
    return client;
  }

  @Test
  void aValidTokenInTheSubprotocolOrTheQueryOpensTheSocket() throws Exception {
    try (WsClient viaProtocol = connect("alice")) {
      assertEquals("herald.v1", viaProtocol.subprotocol(), "the server answers herald.v1 alone");
      assertEquals("pong", viaProtocol.call("ping", "").getString("type"));
    }
    try (WsClient viaQuery = WsClient.connectWithQueryToken(server, Tokens.forUser("bob").sign())) {
      JsonObject connected = viaQuery.next();
      assertEquals("bob", connected.getString("userId"));
      assertTrue(connected.getString("connectionId").length() > 8);
    }
  }

  @Test
  void noTokenOrABadTokenIsClosedWith1008() throws Exception {
    String forged = Tokens.forUser("mallory").signedBy(TestKeys.ATTACKER).sign();
    String expired = Tokens.forUser("alice").expiresAt(java.time.Instant.now().minusSeconds(3600)).sign();
    List<WsClient> refused =
        List.of(
            WsClient.connect(server.wsUri("ws"), List.of("herald.v1"), true),
            WsClient.connect(server, forged),
            WsClient.connect(server, expired),
            WsClient.connectWithQueryToken(server, "not.a.jwt"));
    for (WsClient client : refused) {
      WsClient.Close close = client.awaitClose(Timeouts.EVENT);
      assertNotNull(close, "closed at once");
      assertEquals(1008, close.code());
      assertTrue(close.reason().contains("TOKEN") || close.reason().contains("AUTHENTICATED"), close.reason());
      assertNull(client.poll(Duration.ZERO), "nothing was sent on a refused socket");
    }
  }

  @Test
  void subscribedClientsGetHttpEventsInOrderUntilTheyUnsubscribe() throws Exception {
    try (WsClient ws = connect("carol")) {
      ws.subscribe("jobs.7");
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        ids.add(server.publish(publisher, "jobs.7", "job.update", "{\"n\":" + i + "}").json().getString("id"));
        server.publish(publisher, "jobs.8", "other", "{}");
      }
      for (int i = 0; i < 25; i++) {
        JsonObject event = ws.next();
        assertEquals("event", event.getString("type"));
        assertEquals(ids.get(i), event.getString("id"));
        assertEquals("jobs.7", event.getString("channel"));
        assertEquals("job.update", event.getString("event"));
        assertEquals(i, event.getJsonObject("data").getInt("n"));
        assertEquals("backend", event.getString("publisher"));
      }
      assertEquals("ok", ws.call("unsubscribe", "\"channel\":\"jobs.7\"").getString("type"));
      server.publish(publisher, "jobs.7", "job.update", "{\"n\":99}");
      assertNull(ws.poll(Timeouts.QUIET), "nothing after unsubscribing");
    }
  }

  @Test
  void aWebSocketPublishReachesSseAndWebSocketSubscribersAndEchoIsOptional() throws Exception {
    try (WsClient sender = connect("dan");
        WsClient other = connect("erin");
        SseClient sse =
            SseClient.open(server, "api/realtime/stream?channel=chat.lobby&access_token=" + Tokens.forUser("fay").sign())) {
      sse.next(); // connected
      sender.subscribe("chat.lobby");
      other.subscribe("chat.lobby");

      JsonObject ok = sender.call("publish", "\"channel\":\"chat.lobby\",\"event\":\"chat.message\",\"data\":{\"text\":\"hi\"}");
      assertEquals("ok", ok.getString("type"));
      String id = ok.getString("eventId");
      for (JsonObject got : new JsonObject[] {sender.nextOfType("event"), other.nextOfType("event"), sse.next().json()}) {
        assertEquals(id, got.getString("id"));
        assertEquals("chat.message", got.getString("event"));
        assertEquals("hi", got.getJsonObject("data").getString("text"));
        assertEquals("dan", got.getString("publisher"));
      }

      sender.call("publish", "\"channel\":\"chat.lobby\",\"event\":\"chat.message\",\"data\":2,\"echo\":false");
      assertEquals(2, other.nextOfType("event").getInt("data"));
      assertEquals(2, sse.next().json().getInt("data"));
      assertNull(sender.poll(Timeouts.QUIET), "echo:false keeps the sender's own event from it");
    }
  }

  @Test
  void repliesCarryTheRequestIdAndErrorsHaveDocumentedCodes() throws Exception {
    try (WsClient ws = connect("gus")) {
      String id = ws.request("subscribe", "\"channel\":\"docs.1\"");
      JsonObject ok = ws.next();
      assertEquals("ok", ok.getString("type"));
      assertEquals(id, ok.getString("ref"));

      assertError(ws.call("subscribe", "\"channel\":\"Not A Channel\""), "INVALID_CHANNEL");
      assertError(ws.call("subscribe", "\"channel\":\"user.someone-else\""), "PERMISSION_DENIED");
      assertEquals("ok", ws.call("subscribe", "\"channel\":\"user.gus\"").getString("type"), "one's own user channel");
      assertEquals("ok", ws.call("unsubscribe", "\"channel\":\"user.gus\"").getString("type"));
      assertError(ws.call("publish", "\"channel\":\"jobs.1\",\"event\":\"x\""), "PERMISSION_DENIED");
      assertError(ws.call("publish", "\"channel\":\"chat.1\",\"event\":\"connected\""), "INVALID_EVENT");
      assertError(ws.call("typing", "\"channel\":\"jobs.1\",\"state\":\"start\""), "PERMISSION_DENIED");
      assertError(ws.call("nonsense", ""), "INVALID_MESSAGE");
      assertError(ws.call("subscribe", ""), "INVALID_MESSAGE");
      for (int i = 2; i <= 5; i++) {
        ws.subscribe("docs." + i);
      }
      assertError(ws.call("subscribe", "\"channel\":\"docs.6\""), "TOO_MANY_SUBSCRIPTIONS");
      assertTrue(ws.isOpen(), "errors never close the socket");
    }
  }

  private static void assertError(JsonObject reply, String code) {
    assertEquals("error", reply.getString("type"), reply.toString());
    assertEquals(code, reply.getString("code"), reply.toString());
    assertTrue(reply.getString("message").length() > 0);
  }

  @Test
  void malformedJsonGetsInvalidMessageAndTheSocketLives() throws Exception {
    try (WsClient ws = connect("hal")) {
      ws.sendRaw("{not json");
      JsonObject error = ws.next();
      assertEquals("error", error.getString("type"));
      assertEquals("INVALID_MESSAGE", error.getString("code"));
      ws.sendRaw("[1,2,3]");
      assertEquals("INVALID_MESSAGE", ws.next().getString("code"));
      // nested past the JSON parser's limit: it throws something else than a JSON error
      ws.sendRaw("[".repeat(1500) + "]".repeat(1500));
      assertEquals("INVALID_MESSAGE", ws.next().getString("code"), "answered like any bad JSON");
      ws.sendBinary(new byte[] {1, 2, 3});
      assertEquals("INVALID_MESSAGE", ws.next().getString("code"), "binary frames are answered, not dropped");
      // half a surrogate pair, escaped: valid JSON, but no UTF-8 encoder can write it back
      ws.sendRaw("{\"type\":\"ping\",\"id\":\"\\ud800\"}");
      assertEquals("INVALID_MESSAGE", ws.next().getString("code"), "refused, not echoed into a frame that cannot be sent");
      assertEquals("pong", ws.call("ping", "").getString("type"));
    }
  }

  @Test
  void anOversizedMessageClosesWith1009() throws Exception {
    try (WsClient ws = connect("ida")) {
      ws.sendRaw("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
      WsClient.Close close = ws.awaitClose(Timeouts.EVENT);
      assertNotNull(close);
      assertEquals(1009, close.code());
    }
  }

  @Test
  void typingIsRelayedToOthersAndStopsByItself() throws Exception {
    try (WsClient typist = connect("jan"); WsClient watcher = connect("kim")) {
      typist.subscribe("chat.room");
      watcher.subscribe("chat.room");
      long sentAt = System.nanoTime();
      assertEquals("ok", typist.call("typing", "\"channel\":\"chat.room\",\"state\":\"start\"").getString("type"));
      JsonObject start = watcher.nextOfType("typing");
      assertEquals("chat.room", start.getString("channel"));
      assertEquals("jan", start.getString("userId"));
      assertEquals("start", start.getString("state"));

      JsonObject stop = watcher.nextOfType("typing");
      long after = (System.nanoTime() - sentAt) / 1_000_000;
      assertEquals("stop", stop.getString("state"));
      assertEquals("jan", stop.getString("userId"));
      // The server starts the timeout after the start was sent, so this bound holds exactly.
      assertTrue(after >= TYPING_TIMEOUT_MS, "the automatic stop waited for the timeout (" + after + " ms)");
      assertNull(typist.poll(Timeouts.QUIET), "the typist does not get its own typing");

      typist.call("typing", "\"channel\":\"chat.room\",\"state\":\"start\"");
      assertEquals("start", watcher.nextOfType("typing").getString("state"));
      typist.close();
      assertEquals("stop", watcher.nextOfType("typing").getString("state"), "a closed typist stops typing");
    }
  }

  @Test
  void aClientThatStopsReadingIsClosedAsSlowWhileAnotherGetsEverything() throws Exception {
    double before = Metrics.value(server, "herald_connections_closed_total", "reason=\"slow_consumer\"", "transport=\"websocket\"");
    try (WsClient slow = WsClient.connectNotReading(server, Tokens.subscriber("lee")); WsClient fast = connect("max")) {
      slow.sendRaw("{\"type\":\"subscribe\",\"channel\":\"jobs.flood\"}");
      fast.subscribe("jobs.flood");
      Thread.sleep(200); // the slow client's subscribe is processed (it just never reads the reply)
      String blob = "\"" + "y".repeat(8000) + "\"";
      List<String> ids = new ArrayList<>();
      while (slowCuts() == before && ids.size() < 4000) {
        for (int i = 0; i < 20; i++) {
          ids.add(server.publish(publisher, "jobs.flood", "chunk", blob).json().getString("id"));
        }
      }
      assertTrue(slowCuts() > before, "the client that stopped reading was cut as a slow consumer");
      // Back within herald.ws.close-grace-ms of the cut (30 s here), it is owed the close code;
      // later it would find the socket dropped, as documented. So it reads again before the
      // checks below, which can take long on a loaded machine.
      slow.resumeReading();
      for (String id : ids) {
        assertEquals(id, fast.nextOfType("event").getString("id"), "the reader got every event in order");
      }
      WsClient.Close close = slow.awaitClose(Timeouts.EVENT);
      assertNotNull(close, "the slow client finds its socket closed");
      assertEquals(4008, close.code(), close.reason());
    }
  }

  private double slowCuts() {
    return Metrics.value(server, "herald_connections_closed_total", "reason=\"slow_consumer\"", "transport=\"websocket\"");
  }

  @Test
  void aReplayCountsAgainstTheQueueOneThatDoesNotFitIsAGapAndOneWhoNeverReadsIsClosed() throws Exception {
    String blob = "\"" + "r".repeat(4000) + "\"";
    String position;
    try (WsClient ws = connect("rhea")) {
      position = ws.call("subscribe", "\"channel\":\"docs.rp\"").getString("position");
    }
    List<String> missed = new ArrayList<>();
    for (int i = 0; i < 80; i++) {
      missed.add(server.publish(publisher, "docs.rp", "big", blob).json().getString("id"));
    }
    // 80 missed events do not fit a queue of 64: the client is told to reload instead
    try (WsClient ws = connect("rhea")) {
      JsonObject ok = ws.call("subscribe", "\"channel\":\"docs.rp\",\"since\":\"" + position + "\"");
      assertEquals(false, ok.getBoolean("recovered"), ok.toString());
      assertEquals("gap", ws.next().getString("type"));
      String live = server.publish(publisher, "docs.rp", "after", "1").json().getString("id");
      assertEquals(live, ws.nextOfType("event").getString("id"), "then live, as usual");
    }
    // one that never reads, and subscribes again and again from an old position, is closed
    String since = missed.get(30); // 49 missed: these fit, once
    double cutBefore = Metrics.value(server, "herald_connections_closed_total", "reason=\"slow_consumer\"", "transport=\"websocket\"");
    StringBuilder status = new StringBuilder();
    try (SlowReader greedy = SlowReader.webSocket(server, Tokens.subscriber("greedy"), status)) {
      assertTrue(status.toString().contains(" 101 "), status.toString());
      for (int i = 0; i < 40; i++) {
        greedy.sendText("{\"type\":\"subscribe\",\"id\":\"s" + i + "\",\"channel\":\"docs.rp\",\"since\":\"" + since + "\"}");
        greedy.sendText("{\"type\":\"unsubscribe\",\"channel\":\"docs.rp\"}");
      }
      long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
      double cut;
      while ((cut = Metrics.value(server, "herald_connections_closed_total", "reason=\"slow_consumer\"", "transport=\"websocket\"")) == cutBefore
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(cutBefore + 1, cut, 0.1, "closed as a slow consumer (4008): its replays fill the same bound as live frames");
    }
  }
}
