package io.herald.presence;

import static io.herald.presence.PresenceIT.connect;
import static io.herald.presence.PresenceIT.presence;
import static io.herald.presence.PresenceIT.users;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
 * Taking part without a WebSocket (chat, typing, a cursor over the HTTP route), and cursors moving
 * faster than anyone needs to see them: coalesced, the latest wins, and chat goes through untouched.
 */
@ExtendWith(ArquillianExtension.class)
class PresenceRouteIT {
  private static final int MESSAGE_BURST = 20;

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(
        Map.of(
            "herald.sse.heartbeat-ms", "500",
            "herald.limits.messages.burst", String.valueOf(MESSAGE_BURST),
            "herald.limits.messages.per-second", "1",
            "herald.limits.publish.burst", "100000"),
        Set.of(HeraldDeployment.CHAT_PRESENCE, HeraldDeployment.DOCS_PRESENCE));
  }

  @ArquillianResource URL url;
  private Server server;

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  private static String token(String user) {
    return Tokens.forUser(user).claim("name", "User " + user).sign();
  }

  @Test
  void anSseOnlyClientChatsTypesAndMovesItsCursorThroughTheHttpRoute() throws Exception {
    String frank = token("frank");
    try (SseClient stream = SseClient.open(server, "api/realtime/stream?channel=chat.h1&access_token=" + frank);
        WsClient olga = connect(server, token("olga"))) {
      String connectionId = stream.next().json().getString("connectionId");
      olga.subscribe("chat.h1");
      presence(olga, "snapshot");

      Server.Reply published =
          server.send(frank, connectionId, "{\"type\":\"publish\",\"id\":\"p1\",\"channel\":\"chat.h1\",\"event\":\"chat.message\",\"data\":{\"text\":\"hi\"}}");
      assertEquals(200, published.status(), published.body());
      assertEquals("ok", published.json().getString("type"));
      assertEquals("p1", published.json().getString("ref"));
      JsonObject event = olga.nextOfType("event");
      assertEquals(published.json().getString("eventId"), event.getString("id"));
      assertEquals("frank", event.getString("publisher"));

      assertEquals(200, server.send(frank, connectionId, "{\"type\":\"typing\",\"channel\":\"chat.h1\",\"state\":\"start\"}").status());
      JsonObject typing = olga.nextOfType("typing");
      assertEquals("frank", typing.getString("userId"));
      assertEquals("start", typing.getString("state"));

      assertEquals(200, server.send(frank, connectionId, "{\"type\":\"presence.update\",\"channel\":\"chat.h1\",\"state\":{\"cursor\":{\"x\":3,\"y\":4}}}").status());
      JsonObject moved = presence(olga, "update", "frank").getJsonArray("members").getJsonObject(0);
      assertEquals(3, moved.getJsonObject("state").getJsonObject("cursor").getInt("x"));
      assertTrue(moved.getBoolean("typing"), "and it is typing");

      JsonObject list = server.send(frank, connectionId, "{\"type\":\"presence.get\",\"id\":7,\"channel\":\"chat.h1\"}").json();
      assertEquals("7", list.getString("ref"));
      assertEquals(Set.of("frank", "olga"), Set.copyOf(users(list)));
    }
  }

  @Test
  void theRouteTakesOnlyOnesOwnOpenConnectionsAndTheRulesOfTheWebSocket() throws Exception {
    String frank = token("frank");
    try (SseClient stream = SseClient.open(server, "api/realtime/stream?channel=chat.h2&access_token=" + frank)) {
      String id = stream.next().json().getString("connectionId");
      String ping = "{\"type\":\"presence.get\",\"channel\":\"chat.h2\"}";
      assertEquals("NOT_FOUND", server.send(token("mallory"), id, ping).code(), "another user's connection is none of theirs");
      assertEquals(404, server.send(frank, "no-such-connection", ping).status());
      assertEquals("INVALID_MESSAGE", server.send(frank, id, "not json").code());
      assertEquals("INVALID_MESSAGE", server.send(frank, id, "{\"type\":\"subscribe\",\"channel\":\"chat.x\"}").code());
      Server.Reply jobs = server.send(frank, id, "{\"type\":\"publish\",\"channel\":\"jobs.1\",\"event\":\"x\"}");
      assertEquals(403, jobs.status());
      assertEquals("PERMISSION_DENIED", jobs.code());
      assertEquals("PERMISSION_DENIED", server.send(frank, id, "{\"type\":\"typing\",\"channel\":\"chat.other\",\"state\":\"start\"}").code());
      Server.Reply inUrl =
          Server.send(
              java.net.http.HttpRequest.newBuilder(server.uri("api/realtime/connections/" + id + "/messages?access_token=" + frank))
                  .POST(java.net.http.HttpRequest.BodyPublishers.ofString(ping)));
      assertEquals(401, inUrl.status(), "a browser can send a header here: no token in the URL");
      int limited = 0;
      for (int i = 0; i < MESSAGE_BURST + 5; i++) {
        Server.Reply reply = server.send(frank, id, ping);
        if (reply.status() == 429) {
          assertEquals("RATE_LIMIT_EXCEEDED", reply.code());
          limited++;
        }
      }
      assertTrue(limited >= 5, "the connection's message rate holds over HTTP too: " + limited);
    }
  }

  @Test
  void aCursorFloodIsCoalescedTheLatestWinsAndChatIsNeitherDelayedNorLimitedByIt() throws Exception {
    String publisher = Tokens.publisher("backend");
    List<WsClient> movers = new ArrayList<>();
    double coalescedBefore = Metrics.value(server, "herald_presence_updates_total", "result=\"coalesced\"");
    try (WsClient olga = connect(server, token("olga"))) {
      olga.subscribe("chat.f1");
      for (int m = 0; m < 3; m++) {
        WsClient mover = connect(server, token("mover" + m));
        mover.subscribe("chat.f1");
        movers.add(mover);
      }
      for (int m = 0; m < 3; m++) {
        presence(olga, "join", "mover" + m);
      }
      // warm-up: the first publish of a fresh deployment pays for class loading and JIT, not for cursors
      String warm = server.publish(publisher, "chat.f1", "chat.message", "\"warm-up\"").json().getString("id");
      assertEquals(warm, olga.nextOfType("event").getString("id"));
      int moves = 150;
      Thread flood =
          new Thread(
              () -> {
                for (int i = 1; i <= moves; i++) {
                  for (WsClient mover : movers) {
                    mover.sendRaw("{\"type\":\"presence.update\",\"channel\":\"chat.f1\",\"state\":{\"x\":" + i + "}}");
                  }
                }
              });
      flood.start();
      List<String> sent = new ArrayList<>();
      Map<String, Long> sentAt = new HashMap<>();
      for (int i = 0; i < 30; i++) {
        long at = System.nanoTime();
        String id = server.publish(publisher, "chat.f1", "chat.message", String.valueOf(i)).json().getString("id");
        sent.add(id);
        sentAt.put(id, at);
        Thread.sleep(20);
      }
      flood.join();

      List<String> received = new ArrayList<>();
      Map<String, Integer> lastX = new HashMap<>();
      Map<String, Integer> updates = new HashMap<>();
      long slowest = 0;
      long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
      while (System.nanoTime() < deadline && (received.size() < sent.size() || !allAt(lastX, moves))) {
        JsonObject frame = olga.poll(Duration.ofMillis(200));
        if (frame == null) {
          continue;
        }
        if ("event".equals(frame.getString("type"))) {
          received.add(frame.getString("id"));
          slowest = Math.max(slowest, System.nanoTime() - sentAt.get(frame.getString("id")));
        } else if ("presence".equals(frame.getString("type")) && "update".equals(frame.getString("action"))) {
          for (JsonObject member : frame.getJsonArray("members").getValuesAs(JsonObject.class)) {
            updates.merge(member.getString("userId"), 1, Integer::sum);
            lastX.put(member.getString("userId"), member.getJsonObject("state").getInt("x", 0));
          }
        }
      }
      assertEquals(sent, received, "every chat message, in order");
      assertTrue(slowest < Duration.ofSeconds(2).toNanos(), "no chat message waited behind the cursors: slowest " + slowest / 1_000_000 + " ms");
      assertTrue(allAt(lastX, moves), "each cursor ends where it was last put: " + lastX);
      for (String mover : updates.keySet()) {
        assertTrue(updates.get(mover) < moves / 2, mover + " moved " + moves + " times, seen " + updates.get(mover) + " times: coalesced");
      }
      assertTrue(Metrics.value(server, "herald_presence_updates_total", "result=\"coalesced\"") > coalescedBefore);
      JsonObject chat = movers.get(0).call("publish", "\"channel\":\"chat.f1\",\"event\":\"chat.message\",\"data\":\"after\"");
      assertEquals("ok", chat.getString("type"), "150 cursor moves took nothing from the message rate (burst " + MESSAGE_BURST + ")");
    } finally {
      movers.forEach(WsClient::close);
    }
  }

  private static boolean allAt(Map<String, Integer> lastX, int x) {
    return lastX.size() == 3 && lastX.values().stream().allMatch(v -> v == x);
  }
}
