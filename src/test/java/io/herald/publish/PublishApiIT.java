package io.herald.publish;

import io.herald.testing.Timeouts;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.TestKeys;
import io.herald.testing.Tokens;
import jakarta.json.JsonObject;
import java.net.URL;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The publish API and the HTTP error contract: every refusal has its documented status and code. */
@ExtendWith(ArquillianExtension.class)
class PublishApiIT {
  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(Map.of());
  }

  @ArquillianResource URL url;
  private Server server;

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  @Test
  void publishAnswers202WithTheEventId() {
    Server.Reply reply = server.publish(Tokens.publisher("backend"), "jobs.42", "job.update", "{\"pct\":5}");
    assertEquals(202, reply.status(), reply.body());
    JsonObject body = reply.json();
    assertTrue(body.getString("id").matches("\\d{13}-\\d+-\\w+"), body.toString());
    assertEquals("jobs.42", body.getString("channel"));
    assertEquals("job.update", body.getString("event"));
  }

  @Test
  void idsIncreaseInPublishOrder() {
    String token = Tokens.publisher("backend");
    io.herald.bus.EventId previous = null;
    for (int i = 0; i < 20; i++) {
      io.herald.bus.EventId id =
          io.herald.bus.EventId.parse(server.publish(token, "jobs.1", "tick", "1").json().getString("id"));
      assertNotNull(id);
      if (previous != null) {
        assertTrue(id.compareTo(previous) > 0, id + " after " + previous);
      }
      previous = id;
    }
  }

  @Test
  void noTokenIs401NotAuthenticated() {
    Server.Reply reply = server.publish(null, "jobs.42", "job.update", "{}");
    assertError(reply, 401, "NOT_AUTHENTICATED");
    assertNotNull(reply.header("WWW-Authenticate"));
  }

  @Test
  void tokensThatMustNotPassAre401InvalidToken() {
    String foreign = Tokens.forUser("mallory").groups("publisher").signedBy(TestKeys.ATTACKER).sign();
    String expired =
        Tokens.forUser("alice").groups("publisher").expiresAt(Instant.now().minusSeconds(3600)).sign();
    String wrongIssuer = Tokens.forUser("alice").groups("publisher").issuer("someone-else").sign();
    for (String token : new String[] {foreign, expired, wrongIssuer, "not.a.jwt"}) {
      assertError(server.publish(token, "jobs.42", "job.update", "{}"), 401, "INVALID_TOKEN");
      SseClient viaQuery = SseClient.open(server, "api/realtime/stream?channel=jobs.42&access_token=" + token);
      assertEquals(401, viaQuery.status());
      assertTrue(viaQuery.errorBody().contains("\"INVALID_TOKEN\""), viaQuery.errorBody());
      SseClient viaHeader = SseClient.openWithHeader(server, "api/realtime/stream?channel=jobs.42", token);
      assertEquals(401, viaHeader.status());
      assertTrue(viaHeader.errorBody().contains("\"INVALID_TOKEN\""), viaHeader.errorBody());
    }
    SseClient none = SseClient.open(server, "api/realtime/stream?channel=jobs.42");
    assertEquals(401, none.status());
    assertTrue(none.errorBody().contains("\"NOT_AUTHENTICATED\""), none.errorBody());
  }

  @Test
  void publishingWithoutThePublisherGroupIs403() {
    String token = Tokens.forUser("alice").groups("reader").sign();
    assertError(server.publish(token, "jobs.42", "job.update", "{}"), 403, "PERMISSION_DENIED");
  }

  @ParameterizedTest
  @ValueSource(strings = {"jobs", "Jobs.1", "jobs..1", "jobs.1.", ".jobs", "jobs.*", "jobs.a%20b", "1jobs.2"})
  void badChannelNamesAre400InvalidChannel(String channel) {
    assertError(server.publish(Tokens.publisher("backend"), channel, "e", "{}"), 400, "INVALID_CHANNEL");
    SseClient sse =
        SseClient.open(server, "api/realtime/stream?channel=" + channel + "&access_token=" + Tokens.forUser("a").sign());
    assertEquals(400, sse.status());
    assertTrue(sse.errorBody().contains("\"INVALID_CHANNEL\""), sse.errorBody());
  }

  @Test
  void aPublisherMayWriteToAnyChannelOfItsTenantUnlessItsTokenNarrowsIt() {
    String anywhere = Tokens.publisher("backend");
    assertEquals(202, server.publish(anywhere, "docs.9", "x", "1").status(), "no herald_publish: any channel");
    assertEquals(202, server.publish(anywhere, "user.carol", "x", "1").status());

    String jobsOnly = Tokens.forUser("jobs-service").groups("publisher").publishGrant("jobs.*").sign();
    assertEquals(202, server.publish(jobsOnly, "jobs.9", "x", "1").status(), "inside its grant");
    assertError(server.publish(jobsOnly, "docs.9", "x", "1"), 403, "PERMISSION_DENIED");
    Server.Reply batch =
        server.publishBatch(
            jobsOnly,
            "{\"events\":[{\"channel\":\"jobs.9\",\"event\":\"x\"},{\"channel\":\"docs.9\",\"event\":\"x\"}]}");
    assertError(batch, 403, "PERMISSION_DENIED");
    assertTrue(batch.json().getString("message").startsWith("events[1]"), batch.body());
  }

  @Test
  void anotherUsersChannelIs403OnSse() throws Exception {
    String alice = Tokens.forUser("alice").sign();
    SseClient theirs = SseClient.open(server, "api/realtime/stream?channel=user.bob&access_token=" + alice);
    assertEquals(403, theirs.status());
    assertTrue(theirs.errorBody().contains("\"PERMISSION_DENIED\""), theirs.errorBody());
    try (SseClient own = SseClient.open(server, "api/realtime/stream?channel=user.alice&access_token=" + alice)) {
      assertEquals(200, own.status());
      assertEquals("connected", own.next().name());
    }
  }

  @Test
  void overlongChannelNameIs400() {
    String channel = "jobs." + "x".repeat(200);
    assertError(server.publish(Tokens.publisher("backend"), channel, "e", "{}"), 400, "INVALID_CHANNEL");
  }

  @Test
  void malformedJsonIs400InvalidJson() {
    assertError(server.publishRaw(Tokens.publisher("b"), "jobs.1", "{\"event\": "), 400, "INVALID_JSON");
    assertError(server.publishRaw(Tokens.publisher("b"), "jobs.1", "not json"), 400, "INVALID_JSON");
    Server.Reply cut = server.publishRaw(Tokens.publisher("b"), "jobs.1", "{\"event\": ");
    String where = cut.json().getString("message");
    assertTrue(where.matches("The body is not well-formed JSON \\(line 1, column \\d+\\)\\."), "where, in Herald's words: " + where);
    String deep = "{\"event\":\"x\",\"data\":" + "[".repeat(1500) + "]".repeat(1500) + "}";
    assertError(server.publishRaw(Tokens.publisher("b"), "jobs.1", deep), 400, "INVALID_JSON");
    // a lone surrogate escape would make every WebSocket subscriber's frame unsendable
    assertError(server.publishRaw(Tokens.publisher("b"), "jobs.1", "{\"event\":\"x\",\"data\":\"\\udc00\"}"), 400, "INVALID_JSON");
  }

  @Test
  void wrongShapeIs400InvalidEvent() {
    String token = Tokens.publisher("b");
    assertError(server.publishRaw(token, "jobs.1", "[1,2]"), 400, "INVALID_EVENT");
    assertError(server.publishRaw(token, "jobs.1", "{\"data\":{}}"), 400, "INVALID_EVENT");
    assertError(server.publishRaw(token, "jobs.1", "{\"event\":\"connected\"}"), 400, "INVALID_EVENT");
    assertError(server.publishRaw(token, "jobs.1", "{\"event\":\"has space\"}"), 400, "INVALID_EVENT");
  }

  @Test
  void bodyOverTheLimitIs413AndAtTheLimitIsAccepted() {
    String token = Tokens.publisher("b");
    String envelope = "{\"event\":\"big\",\"data\":\"\"}";
    String atLimit = "{\"event\":\"big\",\"data\":\"" + "a".repeat(65536 - envelope.length()) + "\"}";
    assertEquals(65536, atLimit.length());
    assertEquals(202, server.publishRaw(token, "jobs.1", atLimit).status());
    String overLimit = "{\"event\":\"big\",\"data\":\"" + "a".repeat(65537 - envelope.length()) + "\"}";
    assertError(server.publishRaw(token, "jobs.1", overLimit), 413, "PAYLOAD_TOO_LARGE");
  }

  @Test
  void nonJsonContentTypeIs415() {
    Server.Reply reply =
        Server.send(
            HttpRequest.newBuilder(server.uri("api/channels/jobs.1/events"))
                .header("Authorization", "Bearer " + Tokens.publisher("b"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"x\"}")));
    assertError(reply, 415, "UNSUPPORTED_MEDIA_TYPE");
  }

  @Test
  void statusIsOpenAndNamesTheInstance() {
    Server.Reply reply = server.get("api/realtime/status");
    assertEquals(200, reply.status());
    JsonObject status = reply.json();
    assertTrue(status.getString("instanceId").length() > 0);
    assertTrue(status.getJsonNumber("uptimeSeconds").longValue() >= 0);
    for (String transport : new String[] {"sse", "websocket", "poll", "total"}) {
      assertTrue(status.getJsonObject("connections").containsKey(transport), transport);
    }
  }

  @Test
  void withNoBrokerConfiguredTheEmbeddedBrokerMakesItReady() throws Exception {
    long deadline = System.nanoTime() + io.herald.testing.Timeouts.EVENT.toNanos();
    Server.Reply ready = server.getRoot("health/ready");
    while (ready.status() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      ready = server.getRoot("health/ready");
    }
    assertEquals(200, ready.status(), ready.body());
    assertTrue(ready.body().contains("\"broker\""), ready.body());
  }

  @Test
  void devTokensDoNotExistOutsideDevMode() {
    assertError(server.get("dev/token?sub=alice&groups=admin"), 404, "NOT_FOUND");
  }

  @Test
  void unknownPathsAre404WithTheErrorShape() {
    assertError(server.get("api/nothing-here"), 404, "NOT_FOUND");
  }

  @Test
  void aBatchReachesEachChannelInOrderAndAnswersEveryId() throws Exception {
    String publisher = Tokens.publisher("backend");
    try (SseClient alice = SseClient.open(server, "api/realtime/stream?channel=user.alice&access_token=" + Tokens.forUser("alice").sign());
        SseClient bob = SseClient.open(server, "api/realtime/stream?channel=user.bob&access_token=" + Tokens.forUser("bob").sign())) {
      alice.next();
      bob.next();
      String batch =
          "{\"events\":["
              + "{\"channel\":\"user.alice\",\"event\":\"notice\",\"data\":{\"n\":1}},"
              + "{\"channel\":\"user.bob\",\"event\":\"notice\",\"data\":{\"n\":2},\"idempotencyKey\":\"b-2\"},"
              + "{\"channel\":\"user.alice\",\"event\":\"notice\",\"data\":{\"n\":3}}]}";
      Server.Reply reply = postBatch(publisher, batch);
      assertEquals(202, reply.status(), reply.body());
      jakarta.json.JsonArray answered = reply.json().getJsonArray("events");
      assertEquals(3, answered.size());
      assertEquals("user.bob", answered.getJsonObject(1).getString("channel"));
      assertFalse(answered.getJsonObject(1).getBoolean("repeated"));
      SseClient.Event first = alice.next();
      SseClient.Event third = alice.next();
      assertEquals(answered.getJsonObject(0).getString("id"), first.id());
      assertEquals(1, first.json().getJsonObject("data").getInt("n"));
      assertEquals(answered.getJsonObject(2).getString("id"), third.id(), "alice gets hers in the order given");
      assertEquals(answered.getJsonObject(1).getString("id"), bob.next().id());

      // the same key again: answered with the first id, delivered once
      Server.Reply again = postBatch(publisher, "{\"events\":[{\"channel\":\"user.bob\",\"event\":\"notice\",\"data\":{\"n\":2},\"idempotencyKey\":\"b-2\"}]}");
      assertEquals(202, again.status(), again.body());
      JsonObject repeat = again.json().getJsonArray("events").getJsonObject(0);
      assertTrue(repeat.getBoolean("repeated"));
      assertEquals(answered.getJsonObject(1).getString("id"), repeat.getString("id"));
      assertNull(bob.next(Timeouts.QUIET), "a repeated key is not delivered again");
    }
  }

  @Test
  void aBadBatchIsRefusedWholeWithTheIndexOfTheFault() throws Exception {
    String publisher = Tokens.publisher("backend");
    try (SseClient alice = SseClient.open(server, "api/realtime/stream?channel=user.alice&access_token=" + Tokens.forUser("alice").sign())) {
      alice.next();
      Server.Reply badChannel =
          postBatch(publisher, "{\"events\":[{\"channel\":\"user.alice\",\"event\":\"e\"},{\"channel\":\"no spaces\",\"event\":\"e\"}]}");
      assertError(badChannel, 400, "INVALID_CHANNEL");
      assertTrue(badChannel.json().getString("message").startsWith("events[1]"), badChannel.body());
      assertNull(alice.next(Timeouts.QUIET), "nothing of a refused batch is published");
    }
    assertError(postBatch(publisher, "{\"events\":[]}"), 400, "INVALID_EVENT");
    assertError(postBatch(publisher, "{\"events\":[{\"channel\":\"jobs.1\"}]}"), 400, "INVALID_EVENT");
    assertError(postBatch(publisher, "{\"events\":["), 400, "INVALID_JSON");
    assertError(postBatch(Tokens.forUser("alice").sign(), "{\"events\":[{\"channel\":\"jobs.1\",\"event\":\"e\"}]}"), 403, "PERMISSION_DENIED");
    assertError(postBatch(null, "{\"events\":[{\"channel\":\"jobs.1\",\"event\":\"e\"}]}"), 401, "NOT_AUTHENTICATED");
    StringBuilder many = new StringBuilder("{\"events\":[");
    for (int i = 0; i < 1001; i++) {
      many.append(i == 0 ? "" : ",").append("{\"channel\":\"jobs.1\",\"event\":\"e\"}");
    }
    assertError(postBatch(publisher, many.append("]}").toString()), 413, "PAYLOAD_TOO_LARGE");
  }

  private Server.Reply postBatch(String token, String body) {
    return server.publishBatch(token, body);
  }

  private static void assertError(Server.Reply reply, int status, String code) {
    assertEquals(status, reply.status(), reply.body());
    assertEquals(code, reply.code(), reply.body());
    assertNotNull(reply.json().getString("message"));
  }
}
