package io.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
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
 * Recovery on one instance, over real sockets: what a client missed while away comes back in
 * order, once, meeting the live events without a seam, on SSE, WebSocket and long-polling alike;
 * gaps are said plainly; a job's latest state outlives the history; repeats are delivered once.
 */
@ExtendWith(ArquillianExtension.class)
class RecoveryIT {
  static final int MISSED = 500;

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(
        Map.of(
            "herald.sse.heartbeat-ms", "1000",
            "herald.limits.publish.burst", "100000",
            "herald.limits.publish.per-second", "100000",
            "herald.limits.connections.per-user", "100",
            "herald.namespace.brief.subscribe", "authenticated",
            "herald.namespace.brief.history.size", "10",
            "herald.namespace.jobs.history.ttl-ms", "1500",
            "herald.poll.timeout-ms", "5000"),
        Set.of(HeraldDeployment.JOBS_LAST_VALUE)); // jobs keep their last value: the built-in default
  }

  @ArquillianResource URL url;
  private Server server;
  private final String publisher = Tokens.publisher("backend");
  private final String token = Tokens.subscriber("alice");

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  private String publish(String channel, int n) {
    Server.Reply reply = server.publish(publisher, channel, "step", "{\"n\":" + n + "}");
    assertEquals(202, reply.status(), reply.body());
    return reply.json().getString("id");
  }

  /** Publishes {@code n} events, alternating over {@code channels}; returns their ids in order. */
  private List<String> publishMany(int n, String... channels) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(publish(channels[i % channels.length], i));
    }
    return ids;
  }

  private static List<String> ids(List<SseClient.Event> events) {
    return events.stream().map(SseClient.Event::id).toList();
  }

  private static List<String> eventIds(WsClient ws, int n) throws InterruptedException {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      JsonObject frame = ws.next();
      assertEquals("event", frame.getString("type"), frame.toString());
      ids.add(frame.getString("id"));
    }
    return ids;
  }

  private JsonObject poll(String query) {
    Server.Reply reply = server.get("api/realtime/poll?" + query + "&access_token=" + token);
    assertEquals(200, reply.status(), reply.body());
    return reply.json();
  }

  private static List<String> ids(JsonObject pollAnswer) {
    return pollAnswer.getJsonArray("events").getValuesAs(JsonObject.class).stream().map(e -> e.getString("id")).toList();
  }

  @Test
  void sseResumesEveryChannelOfTheStreamWithExactlyWhatItMissedThenGoesLive() throws Exception {
    String path = "api/realtime/stream?channel=chat.s1&channel=docs.s1&access_token=" + token;
    String last;
    try (SseClient sse = SseClient.open(server, path)) {
      assertEquals("connected", sse.next().name());
      String seen = publish("docs.s1", -1);
      assertEquals(seen, sse.next().id());
      last = sse.lastEventId();
    }
    List<String> missed = publishMany(MISSED, "chat.s1", "docs.s1", "chat.elsewhere");
    List<String> mine = new ArrayList<>();
    for (int i = 0; i < missed.size(); i++) {
      if (i % 3 != 2) {
        mine.add(missed.get(i));
      }
    }
    try (SseClient sse = SseClient.resume(server, path, last)) {
      SseClient.Event connected = sse.next();
      assertEquals("connected", connected.name());
      assertTrue(connected.json().getBoolean("recovered"));
      assertEquals(mine, ids(sse.take(mine.size())), "every missed event of both channels, in order, once");
      String live = publish("chat.s1", 1000);
      assertEquals(live, sse.next().id(), "then live, with nothing in between");
      assertNull(sse.next(Timeouts.QUIET), "and nothing twice");
    }
  }

  @Test
  void webSocketSubscribeWithSinceGetsExactlyWhatItMissedThenGoesLive() throws Exception {
    String last;
    try (WsClient ws = WsClient.connect(server, token)) {
      ws.nextOfType("connected");
      JsonObject ok = ws.call("subscribe", "\"channel\":\"chat.w1\"");
      assertTrue(ok.containsKey("position"), ok.toString());
      last = publish("chat.w1", -1);
      assertEquals(last, ws.nextOfType("event").getString("id"));
    }
    List<String> missed = publishMany(MISSED, "chat.w1");
    try (WsClient ws = WsClient.connect(server, token)) {
      ws.nextOfType("connected");
      JsonObject ok = ws.call("subscribe", "\"channel\":\"chat.w1\",\"since\":\"" + last + "\"");
      assertEquals("ok", ok.getString("type"), ok.toString());
      assertTrue(ok.getBoolean("recovered"));
      assertEquals(missed, eventIds(ws, MISSED));
      // the replay is queued at once, so it goes out several messages to a frame, one per line
      int framesSoFar = ws.textFramesReceived();
      assertTrue(framesSoFar < 2 + MISSED / 4, "the replay was batched: " + framesSoFar + " frames");
      String live = publish("chat.w1", 1000);
      assertEquals(List.of(live), eventIds(ws, 1));
      assertNull(ws.poll(Timeouts.QUIET), "nothing twice");
    }
  }

  @Test
  void eventsPublishedDuringTheReplayArriveOnceAfterTheReplayedOnes() throws Exception {
    String path = "api/realtime/stream?channel=chat.seam&access_token=" + token;
    String last;
    try (SseClient sse = SseClient.open(server, path)) {
      sse.next();
      last = publish("chat.seam", -1);
      sse.next();
    }
    List<String> missed = publishMany(MISSED, "chat.seam");
    List<String> during = Collections.synchronizedList(new ArrayList<>());
    Thread publishing =
        new Thread(
            () -> {
              for (int i = 0; i < 200; i++) {
                during.add(publish("chat.seam", 2000 + i));
              }
            });
    publishing.start(); // publishes while both clients below are being replayed to
    try (SseClient sse = SseClient.resume(server, path, last);
        WsClient ws = WsClient.connect(server, token)) {
      ws.nextOfType("connected");
      ws.call("subscribe", "\"channel\":\"chat.seam\",\"since\":\"" + last + "\"");
      sse.next();
      List<String> bySse = ids(sse.take(MISSED + 200));
      List<String> byWs = eventIds(ws, MISSED + 200);
      publishing.join();
      List<String> expected = new ArrayList<>(missed);
      expected.addAll(during);
      assertEquals(expected, bySse, "SSE: the replay, then the live ones, each once");
      assertEquals(expected, byWs, "WebSocket: the replay, then the live ones, each once");
      assertNull(sse.next(Timeouts.QUIET));
      assertNull(ws.poll(Timeouts.QUIET));
    }
  }

  @Test
  void aPositionOlderThanTheWindowIsAGapOnEveryTransport() throws Exception {
    String path = "api/realtime/stream?channel=brief.g1&access_token=" + token;
    String old = publish("brief.g1", 0);
    publishMany(15, "brief.g1"); // brief keeps 10
    try (SseClient sse = SseClient.resume(server, path, old);
        WsClient ws = WsClient.connect(server, token)) {
      SseClient.Event connected = sse.next();
      assertFalse(connected.json().getBoolean("recovered"));
      SseClient.Event gap = sse.next();
      assertEquals("gap", gap.name());
      assertEquals("brief.g1", gap.json().getString("channel"));
      assertEquals(old, gap.json().getString("since"));

      ws.nextOfType("connected");
      JsonObject ok = ws.call("subscribe", "\"channel\":\"brief.g1\",\"since\":\"" + old + "\"");
      assertFalse(ok.getBoolean("recovered"));
      JsonObject wsGap = ws.next();
      assertEquals("gap", wsGap.getString("type"));
      assertEquals("brief.g1", wsGap.getString("channel"));

      String live = publish("brief.g1", 99);
      assertEquals(live, sse.next().id(), "after the gap, live events flow");
      assertEquals(List.of(live), eventIds(ws, 1));
    }
    JsonObject polled = poll("channel=brief.g1&since=" + old);
    assertFalse(polled.getBoolean("recovered"));
    assertEquals("gap", polled.getJsonArray("events").getJsonObject(0).getString("type"));
    JsonObject history = server.get("api/channels/brief.g1/history?since=" + old, token).json();
    assertFalse(history.getBoolean("recovered"));
  }

  @Test
  void aClientSwitchesBetweenSseAndLongPollingMidStreamWithoutLossOrDuplicate() throws Exception {
    List<String> published = new ArrayList<>();
    List<String> received = new ArrayList<>();
    String path = "api/realtime/stream?channel=chat.p1&access_token=" + token;
    String position;
    try (SseClient sse = SseClient.open(server, path)) {
      sse.next();
      published.addAll(publishMany(3, "chat.p1"));
      received.addAll(ids(sse.take(3)));
      position = sse.lastEventId();
    }
    published.addAll(publishMany(5, "chat.p1"));
    JsonObject first = poll("channel=chat.p1&since=" + position);
    assertTrue(first.getBoolean("recovered"));
    received.addAll(ids(first));
    position = first.getString("position");

    JsonObject empty = poll("channel=chat.p1&timeout=0&since=" + position);
    assertTrue(empty.getJsonArray("events").isEmpty(), "nothing new: answered at once when asked to");
    position = empty.getString("position");

    // a held poll answers as soon as an event arrives
    String since = position;
    var held =
        Server.http()
            .sendAsync(
                java.net.http.HttpRequest.newBuilder(server.uri("api/realtime/poll?channel=chat.p1&since=" + since + "&access_token=" + token)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    Thread.sleep(300);
    published.add(publish("chat.p1", 50));
    JsonObject woken = new Server.Reply(200, held.get(Timeouts.EVENT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).body(), null).json();
    received.addAll(ids(woken));
    position = woken.getString("position");

    published.addAll(publishMany(2, "chat.p1"));
    try (SseClient sse = SseClient.open(server, path + "&lastEventId=" + position)) {
      assertTrue(sse.next().json().getBoolean("recovered"));
      received.addAll(ids(sse.take(2)));
      published.add(publish("chat.p1", 60));
      received.add(sse.next().id());
      assertNull(sse.next(Timeouts.QUIET));
    }
    assertEquals(published, received);
  }

  @Test
  void immediatePollsAllAnswerWithAPositionAndLeaveNoWaiterBehind() throws Exception {
    String first = publish("chat.p2", 0);
    List<String> after = publishMany(2, "chat.p2");
    // the history has an event once it is back from the topic: a held poll waits for the last one
    assertEquals(after.subList(1, 2), ids(poll("channel=chat.p2&since=" + after.get(0))));
    for (int wave = 0; wave < 10; wave++) { // concurrent, as the race needs; under the per-user limit
      List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> replies = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String since = i % 2 == 0 ? "&since=" + first : "";
        replies.add(
            Server.http()
                .sendAsync(
                    java.net.http.HttpRequest.newBuilder(server.uri("api/realtime/poll?channel=chat.p2&timeout=0" + since + "&access_token=" + token)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()));
      }
      for (int i = 0; i < replies.size(); i++) {
        var reply = replies.get(i).get(Timeouts.EVENT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, reply.statusCode(), reply.body());
        JsonObject answer = new Server.Reply(200, reply.body(), null).json();
        assertEquals(after.get(1), answer.getString("position"));
        assertEquals(i % 2 == 0 ? after : List.of(), ids(answer), "resumed polls get what they missed, new ones nothing");
      }
    }
    assertEquals(0, server.connections().getInt("poll"), "every answered poll is gone from the registry");
  }

  @Test
  void aNewSubscriberToAJobGetsItsLatestStateFirstEvenAfterTheHistoryWindow() throws Exception {
    publish("jobs.7", 40);
    String latest = publish("jobs.7", 60);
    Thread.sleep(3000); // jobs keep history for 1.5 s here; the sweep runs every second
    JsonObject history = server.get("api/channels/jobs.7/history", token).json();
    assertTrue(history.getJsonArray("events").isEmpty(), "the history window has passed: " + history);

    try (SseClient sse = SseClient.open(server, "api/realtime/stream?channel=jobs.7&access_token=" + token);
        WsClient ws = WsClient.connect(server, token)) {
      assertEquals("connected", sse.next().name());
      SseClient.Event state = sse.next();
      assertEquals(latest, state.json().getString("id"));
      assertEquals(60, state.json().getJsonObject("data").getInt("n"));
      assertNull(state.id(), "an older state does not move the stream's position back");

      ws.nextOfType("connected");
      ws.call("subscribe", "\"channel\":\"jobs.7\"");
      assertEquals(latest, ws.nextOfType("event").getString("id"));

      JsonObject polled = poll("channel=jobs.7");
      assertEquals(List.of(latest), ids(polled), "a poll without a position gets it at once");

      String progress = publish("jobs.7", 80);
      assertEquals(progress, sse.next().id(), "then the job's progress, live");
      assertEquals(progress, ws.nextOfType("event").getString("id"));
    }
  }

  @Test
  void aPublishRepeatedWithTheSameIdempotencyKeyIsDeliveredOnce() throws Exception {
    try (SseClient sse = SseClient.open(server, "api/realtime/stream?channel=docs.i1&access_token=" + token)) {
      sse.next();
      Server.Reply first = server.publishOnce(publisher, "docs.i1", "saved", "{\"v\":1}", "save-42");
      Server.Reply again = server.publishOnce(publisher, "docs.i1", "saved", "{\"v\":1}", "save-42");
      assertEquals(202, first.status());
      assertEquals(202, again.status(), "a repeat is accepted");
      assertEquals("true", again.header("Idempotent-Replayed"));
      assertEquals(first.json().getString("id"), again.json().getString("id"), "and names the first event");
      String next = publish("docs.i1", 2);
      assertEquals(List.of(first.json().getString("id"), next), ids(sse.take(2)), "delivered once");
      assertNull(sse.next(Timeouts.QUIET));
    }
  }

  @Test
  void historyIsReadUnderTheSubscribeRulesInPages() {
    List<String> ids = publishMany(5, "docs.h1");
    // a 202 means distribution took the events; the history records them as they come back from
    // the topic, a moment later
    awaitInHistory("docs.h1", ids.get(4));
    JsonObject page = server.get("api/channels/docs.h1/history?since=" + ids.get(0) + "&limit=3", token).json();
    assertTrue(page.getBoolean("recovered"));
    assertTrue(page.getBoolean("more"));
    assertEquals(ids.subList(1, 4), ids(page));
    JsonObject rest = server.get("api/channels/docs.h1/history?since=" + page.getString("position"), token).json();
    assertEquals(ids.subList(4, 5), ids(rest));
    assertFalse(rest.getBoolean("more"));
    JsonObject latest = server.get("api/channels/docs.h1/history?limit=2", token).json();
    assertEquals(ids.subList(3, 5), ids(latest));

    String stranger = Tokens.forUser("mallory").sign(); // no grant for docs.*
    assertEquals(403, server.get("api/channels/docs.h1/history", stranger).status());
    assertEquals(401, server.get("api/channels/docs.h1/history").status());
    assertEquals("NOT_AUTHENTICATED", server.get("api/channels/docs.h1/history?access_token=" + token).code(), "no token in this URL");
  }

  private void awaitInHistory(String channel, String id) {
    long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject latest = server.get("api/channels/" + channel + "/history?limit=1", token).json();
      if (ids(latest).contains(id)) {
        return;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
    }
    throw new AssertionError(id + " never reached the history of " + channel);
  }

  @Test
  void badPositionsAndKeysAreRefusedWithDocumentedCodes() throws Exception {
    Server.Reply sse = server.get("api/realtime/stream?channel=chat.x&lastEventId=yesterday&access_token=" + token);
    assertEquals(400, sse.status());
    assertEquals("INVALID_POSITION", sse.code());
    assertEquals("INVALID_POSITION", server.get("api/realtime/poll?channel=chat.x&since=1-2&access_token=" + token).code());
    assertEquals("INVALID_POSITION", server.get("api/channels/chat.x/history?since=x", token).code());
    assertEquals("INVALID_REQUEST", server.get("api/channels/chat.x/history?limit=0", token).code());
    assertEquals("INVALID_REQUEST", server.get("api/realtime/poll?channel=chat.x&timeout=-1&access_token=" + token).code());
    assertEquals("INVALID_REQUEST", server.get("api/realtime/poll?channel=chat.x&timeout=soon&access_token=" + token).code(), "400, not 404");
    assertEquals("INVALID_REQUEST", server.get("api/channels/chat.x/history?limit=many", token).code());
    Server.Reply key = server.publishOnce(publisher, "chat.x", "e", "1", "k".repeat(201));
    assertEquals(400, key.status());
    assertEquals("INVALID_IDEMPOTENCY_KEY", key.code());
    try (WsClient ws = WsClient.connect(server, token)) {
      ws.nextOfType("connected");
      JsonObject error = ws.call("subscribe", "\"channel\":\"chat.x\",\"since\":42");
      assertEquals("INVALID_POSITION", error.getString("code"));
      error = ws.call("subscribe", "\"channel\":\"chat.x\",\"since\":\"nope\"");
      assertEquals("INVALID_POSITION", error.getString("code"));
      assertEquals(JsonValue.ValueType.STRING, ws.call("ping", "").get("type").getValueType(), "the connection stays open");
    }
  }
}
