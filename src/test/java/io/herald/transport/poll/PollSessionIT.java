package io.herald.transport.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Metrics;
import io.herald.testing.PollClient;
import io.herald.testing.Server;
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
 * Long-polling with a session: a client that is there between its polls, a member of its
 * channels, sending through the HTTP route; an answer lost on the way costs nothing; a full queue
 * loses nothing; a session that no poll comes for is closed and leaves.
 */
@ExtendWith(ArquillianExtension.class)
class PollSessionIT {
  private static final int QUEUE = 8;
  private static final long SESSION_TIMEOUT_MS = 1500;

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(
        Map.of(
            "herald.poll.queue-size", String.valueOf(QUEUE),
            "herald.poll.session-timeout-ms", String.valueOf(SESSION_TIMEOUT_MS),
            "herald.limits.publish.burst", "100000"),
        Set.of(HeraldDeployment.CHAT_PRESENCE));
  }

  @ArquillianResource URL url;
  private Server server;
  private final String publisher = Tokens.publisher("backend");

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  private static String token(String user) {
    return Tokens.forUser(user).sign();
  }

  private JsonObject poll(String user, String query) {
    Server.Reply reply = server.get("api/realtime/poll?" + query, token(user));
    assertEquals(200, reply.status(), reply.body());
    return reply.json();
  }

  private static List<String> types(JsonObject answer) {
    return answer.getJsonArray("events").getValuesAs(JsonObject.class).stream().map(f -> f.getString("type")).toList();
  }

  private static List<String> eventIds(JsonObject answer) {
    return answer.getJsonArray("events").getValuesAs(JsonObject.class).stream()
        .filter(f -> "event".equals(f.getString("type")))
        .map(f -> f.getString("id"))
        .toList();
  }

  private static boolean presence(JsonObject frame, String action, String user) {
    return "presence".equals(frame.getString("type"))
        && action.equals(frame.getString("action"))
        && frame.getJsonArray("members").stream().anyMatch(m -> m.asJsonObject().getString("userId").equals(user));
  }

  private String publish(String channel, int n) {
    return server.publish(publisher, channel, "chat.message", String.valueOf(n)).json().getString("id");
  }

  @Test
  void aSessionIsAMemberGetsEventsPresenceAndTypingInOrderAndSendsThroughTheRoute() throws Exception {
    try (WsClient olga = WsClient.connect(server, token("olga"));
        PollClient paul = PollClient.open(server, token("paul"), "chat.s1")) {
      olga.subscribe("chat.s1");
      olga.next(f -> presence(f, "snapshot", "paul"));
      JsonObject snapshot = paul.next(f -> "presence".equals(f.getString("type")));
      assertEquals("snapshot", snapshot.getString("action"), "the member list comes first");
      paul.next(f -> presence(f, "join", "olga"));

      String first = publish("chat.s1", 1);
      assertEquals("ok", olga.call("typing", "\"channel\":\"chat.s1\",\"state\":\"start\"").getString("type"));
      String second = publish("chat.s1", 2);
      List<String> seen = new ArrayList<>();
      while (seen.size() < 3) {
        JsonObject frame = paul.next(f -> Set.of("event", "typing").contains(f.getString("type")));
        seen.add("event".equals(frame.getString("type")) ? frame.getString("id") : "typing:" + frame.getString("userId"));
      }
      assertEquals(List.of(first, "typing:olga", second), seen, "in the channel's order, typing included");

      String id = paul.connectionId();
      Server.Reply sent =
          server.send(token("paul"), id, "{\"type\":\"publish\",\"channel\":\"chat.s1\",\"event\":\"chat.message\",\"data\":\"from a poll\"}");
      assertEquals(200, sent.status(), sent.body());
      JsonObject fromPaul = olga.next(f -> "event".equals(f.getString("type")) && "\"from a poll\"".equals(f.get("data").toString()));
      assertEquals("paul", fromPaul.getString("publisher"));
      assertEquals(200, server.send(token("paul"), id, "{\"type\":\"presence.update\",\"channel\":\"chat.s1\",\"state\":{\"x\":5}}").status());
      JsonObject moved = olga.next(f -> presence(f, "update", "paul"));
      assertEquals(5, moved.getJsonArray("members").getJsonObject(0).getJsonObject("state").getInt("x"));
      assertEquals(200, server.send(token("paul"), id, "{\"type\":\"typing\",\"channel\":\"chat.s1\",\"state\":\"start\"}").status());
      assertEquals("paul", olga.nextOfType("typing").getString("userId"));
      assertEquals("NOT_FOUND", server.send(token("olga"), id, "{\"type\":\"presence.get\",\"channel\":\"chat.s1\"}").code(), "only paul's");

      paul.close(); // stops polling: the session times out and paul leaves
      long stopped = System.nanoTime();
      olga.next(f -> presence(f, "leave", "paul"));
      long after = (System.nanoTime() - stopped) / 1_000_000;
      assertTrue(after >= SESSION_TIMEOUT_MS - 100, "not before herald.poll.session-timeout-ms: " + after + " ms");
    }
  }

  @Test
  void aLostAnswerIsGivenAgainFromTheClientsPositionAndNothingIsTwiceAfterIt() {
    JsonObject first = poll("quinn", "channel=chat.s2&session=new&timeout=0");
    assertEquals("snapshot", first.getJsonArray("events").getJsonObject(0).getString("action"), "the member list first");
    String session = first.getString("session");
    String position = first.getString("position");
    assertTrue(session.startsWith(first.getString("connectionId") + ":"));

    String e1 = publish("chat.s2", 1);
    // answers holding only presence frames (quinn's own join) may come first: they are received
    JsonObject lost = poll("quinn", "channel=chat.s2&session=" + session + "&since=" + position + "&timeout=5000");
    for (int i = 0; i < 5 && eventIds(lost).isEmpty(); i++) {
      session = lost.getString("session");
      position = lost.getString("position");
      lost = poll("quinn", "channel=chat.s2&session=" + session + "&since=" + position + "&timeout=5000");
    }
    assertEquals(List.of(e1), eventIds(lost));
    assertNotEquals(session, lost.getString("session"));

    // the client never got that answer: it polls again with what it had
    double resyncs = Metrics.value(server, "herald_poll_resyncs_total", "reason=\"lost_answer\"");
    JsonObject again = poll("quinn", "channel=chat.s2&session=" + session + "&since=" + position + "&timeout=5000");
    assertEquals(List.of(e1), eventIds(again), "what the lost answer held");
    assertTrue(again.getBoolean("recovered"));
    assertTrue(types(again).contains("presence"), "and the member list as it is now");
    assertEquals(resyncs + 1, Metrics.value(server, "herald_poll_resyncs_total", "reason=\"lost_answer\""));

    String e2 = publish("chat.s2", 2);
    JsonObject next = poll("quinn", "channel=chat.s2&session=" + again.getString("session") + "&since=" + again.getString("position") + "&timeout=5000");
    while (eventIds(next).isEmpty() && types(next).stream().allMatch("presence"::equals) && !next.getJsonArray("events").isEmpty()) {
      next = poll("quinn", "channel=chat.s2&session=" + next.getString("session") + "&since=" + next.getString("position") + "&timeout=5000");
    }
    assertEquals(List.of(e2), eventIds(next), "then on, once each");
    assertEquals(again.getString("connectionId"), next.getString("connectionId"), "the same session throughout");
  }

  @Test
  void aFullQueueLosesNothingTheRestComesFromTheHistory() {
    JsonObject first = poll("rita", "channel=chat.s3&session=new&timeout=0");
    List<String> published = new ArrayList<>();
    for (int i = 0; i < QUEUE * 3; i++) {
      published.add(publish("chat.s3", i)); // no poll waiting: the session's queue overflows
    }
    List<String> received = new ArrayList<>();
    JsonObject answer = first;
    int polls = 0;
    do {
      answer = poll("rita", "channel=chat.s3&session=" + answer.getString("session") + "&since=" + answer.getString("position") + "&timeout=0");
      received.addAll(eventIds(answer));
      polls++;
    } while (received.size() < published.size() && polls < 10);
    assertEquals(published, received, "every event, once, in order");
    assertFalse(answer.getBoolean("more", false));
    assertTrue(Metrics.value(server, "herald_poll_resyncs_total", "reason=\"queue_full\"") >= 1);
  }

  @Test
  void sessionsAreOnesOwnBadValuesAreRefusedAndAnIdleSessionIsClosed() throws Exception {
    JsonObject sams = poll("sam", "channel=chat.s4&session=new&timeout=0");
    assertEquals(List.of("sam"), awaitMembers("chat.s4", List.of("sam")), "a session is a member between its polls");
    JsonObject taken = poll("mallory", "channel=chat.s4&session=" + sams.getString("session") + "&timeout=0");
    assertNotEquals(sams.getString("connectionId"), taken.getString("connectionId"), "another user's session is not theirs: a new one");
    JsonObject moved = poll("sam", "channel=chat.s4&channel=chat.s5&session=" + sams.getString("session") + "&timeout=0");
    assertNotEquals(sams.getString("connectionId"), moved.getString("connectionId"), "other channels: a new session, in place of the old");
    Server.Reply bad = server.get("api/realtime/poll?channel=chat.s4&session=yesterday", token("sam"));
    assertEquals(400, bad.status());
    assertEquals("INVALID_REQUEST", bad.code());

    long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
    while (server.connections().getInt("poll") > 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(0, server.connections().getInt("poll"), "sessions no poll came for are closed");
    assertEquals(List.of(), awaitMembers("chat.s4", List.of()), "and have left");
  }

  /** The channel's members once they are {@code expected}, or as they are after a while. */
  private List<String> awaitMembers(String channel, List<String> expected) throws InterruptedException {
    long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
    List<String> members = members(channel);
    while (!members.equals(expected) && System.nanoTime() < deadline) {
      Thread.sleep(50);
      members = members(channel);
    }
    return members;
  }

  private List<String> members(String channel) {
    return server.get("api/channels/" + channel + "/presence", token("sam")).json().getJsonArray("members").stream()
        .map(m -> m.asJsonObject().getString("userId"))
        .toList();
  }
}
