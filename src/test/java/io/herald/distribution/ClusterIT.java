package io.herald.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.ArtemisBroker;
import io.herald.testing.Metrics;
import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.TestKeys;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import jakarta.jms.BytesMessage;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSProducer;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import jakarta.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two Herald instances on plain Payara Micro and one standalone Artemis broker: what is published
 * anywhere (HTTP on either instance, JMS or AMQP from another system) reaches clients on every
 * instance once, in order; poison is dead-lettered; a broker restart is survived.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  private static ArtemisBroker broker;
  private static PayaraProcess a;
  private static PayaraProcess b;
  private static Path key;
  private final String publisher = Tokens.publisher("backend");

  @BeforeAll
  static void startCluster() throws Exception {
    broker = ArtemisBroker.create("cluster");
    key = Files.writeString(Files.createTempFile("herald-key", ".pem"), TestKeys.TRUSTED.publicPem());
    a = PayaraProcess.launch("a", Map.of(), env("a", ArtemisBroker.USER, "500"));
    // b reconnects slowly, so that a test can publish while it is away from the broker
    b = PayaraProcess.launch("b", Map.of(), env("b", ArtemisBroker.OTHER_USER, "3000"));
    a.awaitReady();
    b.awaitReady();
    awaitReady(a.server());
    awaitReady(b.server());
  }

  private static Map<String, String> env(String id, String brokerUser, String reconnectMs) {
    return Map.of(
        "MP_JWT_VERIFY_PUBLICKEY_LOCATION", key.toUri().toString(),
        "MP_JWT_VERIFY_ISSUER", Tokens.ISSUER,
        "HERALD_INSTANCE_ID", id,
        "HERALD_BROKER_URL", broker.url(),
        "HERALD_BROKER_USER", brokerUser,
        "HERALD_BROKER_PASSWORD", ArtemisBroker.PASSWORD,
        "HERALD_BROKER_RECONNECT_MS", reconnectMs,
        "HERALD_SSE_HEARTBEAT_MS", "1000",
        "HERALD_SECURITY_DEFAULT_TENANT", "default");
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    if (broker != null) {
      broker.close();
    }
    if (key != null) {
      Files.deleteIfExists(key);
    }
  }

  private static int readiness(Server server) {
    return server.getRoot("health/ready").status();
  }

  private static void awaitReady(Server server) throws InterruptedException {
    awaitStatus(server, 200);
  }

  private static void awaitStatus(Server server, int status) throws InterruptedException {
    long deadline = System.nanoTime() + Timeouts.EVENT.multipliedBy(3).toNanos();
    while (readiness(server) != status) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("readiness never became " + status);
      }
      Thread.sleep(100);
    }
  }

  /** A message in the producer contract's first form: JSON body, routing in properties. */
  private static TextMessage text(JMSContext jms, String body, String channel, String event, String tenant)
      throws jakarta.jms.JMSException {
    TextMessage message = jms.createTextMessage(body);
    message.setStringProperty("channel", channel);
    message.setStringProperty("event", event);
    if (tenant != null) {
      message.setStringProperty("tenant", tenant);
    }
    return message;
  }

  @Test
  @Order(1)
  void anEventPublishedOnOneInstanceReachesSseAndWebSocketOnTheOtherOnceInOrder() throws Exception {
    String token = Tokens.subscriber("alice");
    try (SseClient sse = SseClient.open(b.server(), "api/realtime/stream?channel=jobs.77&access_token=" + token);
        WsClient ws = WsClient.connect(b.server(), token);
        SseClient local = SseClient.open(a.server(), "api/realtime/stream?channel=jobs.77&access_token=" + token)) {
      sse.next();
      local.next();
      ws.next();
      ws.subscribe("jobs.77");
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        ids.add(a.server().publish(publisher, "jobs.77", "job.update", "{\"n\":" + i + "}").json().getString("id"));
      }
      for (int i = 0; i < 30; i++) {
        assertEquals(ids.get(i), sse.next().id(), "SSE on the other instance, in order");
        assertEquals(ids.get(i), ws.nextOfType("event").getString("id"), "WebSocket on the other instance, in order");
        assertEquals(ids.get(i), local.next().id(), "the publishing instance's own client, once");
      }
      assertNull(sse.next(Timeouts.QUIET), "nothing twice");
      assertNull(local.next(Timeouts.QUIET), "an instance's own events are not delivered twice");
    }
  }

  @Test
  @Order(2)
  void producersInOtherSystemsReachClientsOnBothInstances() throws Exception {
    String token = Tokens.forUser("bob").subscribe("jobs.*").tenant("acme").sign();
    try (SseClient onA = SseClient.open(a.server(), "api/realtime/stream?channel=jobs.ext&access_token=" + token);
        SseClient onB = SseClient.open(b.server(), "api/realtime/stream?channel=jobs.ext&access_token=" + token)) {
      onA.next();
      onB.next();
      ConnectionFactory core = new ActiveMQConnectionFactory(broker.url());
      try (JMSContext jms = core.createContext(ArtemisBroker.USER, ArtemisBroker.PASSWORD)) {
        JMSProducer producer = jms.createProducer();
        producer.send(jms.createTopic("herald.events"), text(jms, "{\"state\":\"running\"}", "jobs.ext", "job.started", "acme"));

        BytesMessage bytes = jms.createBytesMessage();
        bytes.writeBytes("{\"pct\":50}".getBytes(StandardCharsets.UTF_8));
        bytes.setStringProperty("channel", "jobs.ext");
        bytes.setStringProperty("event", "job.progress");
        bytes.setStringProperty("tenant", "acme");
        producer.send(jms.createTopic("herald.events"), bytes);

        producer.send(
            jms.createTopic("herald.events"),
            "{\"specversion\":\"1.0\",\"id\":\"ce-1\",\"source\":\"/erp\",\"type\":\"job.done\","
                + "\"subject\":\"jobs.ext\",\"tenant\":\"acme\",\"datacontenttype\":\"application/json\","
                + "\"data\":{\"result\":\"ok\"}}");
      }
      ConnectionFactory amqp = new JmsConnectionFactory(ArtemisBroker.USER, ArtemisBroker.PASSWORD, broker.amqpUrl());
      try (JMSContext jms = amqp.createContext()) {
        jms.createProducer().send(jms.createTopic("herald.events"), text(jms, "{\"via\":\"amqp\"}", "jobs.ext", "job.note", "acme"));
      }
      for (SseClient client : new SseClient[] {onA, onB}) {
        SseClient.Event started = client.next();
        assertEquals("job.started", started.name());
        assertEquals("running", started.json().getJsonObject("data").getString("state"));
        assertEquals("acme", started.json().getString("tenant"));
        assertEquals("jms", started.json().getString("publisher"));
        assertEquals(50, client.next().json().getJsonObject("data").getInt("pct"));
        SseClient.Event done = client.next();
        assertEquals("job.done", done.name());
        assertEquals("ok", done.json().getJsonObject("data").getString("result"));
        assertEquals("acme", done.json().getString("tenant"));
        assertEquals("amqp", client.next().json().getJsonObject("data").getString("via"));
      }
    }
  }

  @Test
  @Order(3)
  void poisonIsDeadLetteredAndCountedAndTheNextMessageIsDelivered() throws Exception {
    String token = Tokens.subscriber("carol");
    double before = Metrics.sum(b.server(), "herald_broker_poison_total");
    try (SseClient onB = SseClient.open(b.server(), "api/realtime/stream?channel=jobs.p&access_token=" + token)) {
      onB.next();
      ConnectionFactory core = new ActiveMQConnectionFactory(broker.url());
      try (JMSContext jms = core.createContext(ArtemisBroker.USER, ArtemisBroker.PASSWORD)) {
        JMSProducer producer = jms.createProducer();
        var topic = jms.createTopic("herald.events");
        producer.send(topic, "{\"no\":\"channel\"}");
        producer.send(topic, text(jms, "{not json", "jobs.p", "x", null));
        producer.send(topic, text(jms, "{}", "Not A Channel", "x", null));
        producer.send(topic, text(jms, "\"" + "z".repeat(70_000) + "\"", "jobs.p", "x", null));
        producer.send(topic, text(jms, "{\"fine\":true}", "jobs.p", "after.poison", null));

        SseClient.Event next = onB.next();
        assertEquals("after.poison", next.name(), "the good message after the poison is delivered");
        assertNull(onB.next(Timeouts.QUIET), "no poison reached a client");
        assertEquals(before + 4, Metrics.sum(b.server(), "herald_broker_poison_total"), "each poison counted");

        List<String> errors = new ArrayList<>();
        try (var deadLetters = jms.createConsumer(jms.createQueue("herald.dead-letter"))) {
          Message m;
          while ((m = deadLetters.receive(2000)) != null) {
            errors.add(m.getJMSMessageID());
          }
        }
        assertEquals(8, errors.size(), "each instance dead-letters each poison message where ops can find it");
      }
    }
  }

  @Test
  @Order(4)
  void eventsPublishedWhileAnInstanceReconnectsReachItAfterwards() throws Exception {
    String token = Tokens.subscriber("erin");
    try (SseClient onB = SseClient.open(b.server(), "api/realtime/stream?channel=jobs.gap&access_token=" + token)) {
      onB.next();
      broker.closeConnectionsOf(ArtemisBroker.OTHER_USER); // b is cut off; a is not
      awaitStatus(b.server(), 503);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        ids.add(a.server().publish(publisher, "jobs.gap", "while.away", String.valueOf(i)).json().getString("id"));
      }
      assertEquals(503, readiness(b.server()), "all ten were published while b was away");
      awaitReady(b.server());
      for (String id : ids) {
        assertEquals(id, onB.next().id(), "b's client gets what was published while b was away, in order");
      }
      assertNull(onB.next(Timeouts.QUIET), "and nothing twice");
    }
  }

  @Test
  @Order(5)
  void aBrokerRestartIsSurvivedAndAPublishRefusedMeanwhileIsDeliveredOnceWhenRetried() throws Exception {
    String token = Tokens.subscriber("dave");
    try (SseClient onB = SseClient.open(b.server(), "api/realtime/stream?channel=jobs.r&access_token=" + token);
        SseClient onA = SseClient.open(a.server(), "api/realtime/stream?channel=jobs.r&access_token=" + token)) {
      onB.next();
      onA.next();
      String before = a.server().publish(publisher, "jobs.r", "before", "1").json().getString("id");
      assertEquals(before, onB.next().id());
      assertEquals(before, onA.next().id());

      broker.stop();
      awaitStatus(a.server(), 503);
      awaitStatus(b.server(), 503);
      Server.Reply refused = a.server().publishOnce(publisher, "jobs.r", "during", "2", "during-1");
      assertEquals(503, refused.status(), "during the outage publishes are refused, not lost silently");
      assertEquals("UNAVAILABLE", refused.code());
      assertNotNull(refused.header("Retry-After"));
      String batch =
          "{\"events\":[{\"channel\":\"jobs.r\",\"event\":\"batched\",\"data\":3,\"idempotencyKey\":\"during-2\"},"
              + "{\"channel\":\"jobs.r\",\"event\":\"batched\",\"data\":4,\"idempotencyKey\":\"during-3\"}]}";
      Server.Reply refusedBatch = a.server().publishBatch(publisher, batch);
      assertEquals(503, refusedBatch.status(), refusedBatch.body());
      assertNotNull(refusedBatch.header("Retry-After"));

      broker.start();
      awaitReady(a.server());
      awaitReady(b.server());
      // The documented retry: the same requests, the same keys. Refused means not published, so
      // the retry publishes, once.
      Server.Reply retried = a.server().publishOnce(publisher, "jobs.r", "during", "2", "during-1");
      assertEquals(202, retried.status(), retried.body());
      assertNull(retried.header("Idempotent-Replayed"), "a refused publish did not use its key");
      Server.Reply retriedBatch = a.server().publishBatch(publisher, batch);
      assertEquals(202, retriedBatch.status(), retriedBatch.body());
      List<String> ids = new ArrayList<>();
      ids.add(retried.json().getString("id"));
      for (var one : retriedBatch.json().getJsonArray("events")) {
        assertEquals(false, one.asJsonObject().getBoolean("repeated"), one.toString());
        ids.add(one.asJsonObject().getString("id"));
      }
      Server.Reply again = a.server().publishOnce(publisher, "jobs.r", "during", "2", "during-1");
      assertEquals("true", again.header("Idempotent-Replayed"), "once delivered, the key is used");
      assertEquals(ids.get(0), again.json().getString("id"));
      String after = a.server().publish(publisher, "jobs.r", "after", "5").json().getString("id");
      ids.add(after);
      for (SseClient client : new SseClient[] {onA, onB}) {
        for (String id : ids) {
          assertEquals(id, client.next().id(), "the streams lived through the outage; each retried event once, in order");
        }
        assertNull(client.next(Timeouts.QUIET), "nothing twice");
      }
      JsonObject status = b.server().connections();
      assertTrue(status.getInt("sse") >= 1);
    }
  }

  @Test
  @Order(6)
  void clientsReconnectingToTheOtherInstanceGetExactlyWhatTheyMissedThenLive() throws Exception {
    String token = Tokens.subscriber("frank");
    String path = "api/realtime/stream?channel=chat.move&access_token=" + token;
    String last;
    try (SseClient sse = SseClient.open(a.server(), path);
        WsClient ws = WsClient.connect(a.server(), token)) {
      sse.next();
      ws.nextOfType("connected");
      ws.subscribe("chat.move");
      last = a.server().publish(publisher, "chat.move", "seen", "0").json().getString("id");
      assertEquals(last, sse.next().id());
      assertEquals(last, ws.nextOfType("event").getString("id"));
    }
    // both instances publish: positions hold across origins, in the topic's one order
    List<String> missed = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      Server on = i % 2 == 0 ? a.server() : b.server();
      missed.add(on.publish(publisher, "chat.move", "missed", String.valueOf(i)).json().getString("id"));
    }
    try (SseClient sse = SseClient.resume(b.server(), path, last);
        WsClient ws = WsClient.connect(b.server(), token)) {
      assertTrue(sse.next().json().getBoolean("recovered"));
      ws.nextOfType("connected");
      JsonObject ok = ws.call("subscribe", "\"channel\":\"chat.move\",\"since\":\"" + last + "\"");
      assertTrue(ok.getBoolean("recovered"), ok.toString());
      List<String> bySse = new ArrayList<>();
      List<String> byWs = new ArrayList<>();
      for (int i = 0; i < missed.size(); i++) {
        bySse.add(sse.next().id());
        byWs.add(ws.nextOfType("event").getString("id"));
      }
      assertEquals(missed, bySse, "SSE on the other instance: exactly the missed events, in order");
      assertEquals(missed, byWs, "WebSocket on the other instance: the same");
      String live = a.server().publish(publisher, "chat.move", "live", "1").json().getString("id");
      assertEquals(live, sse.next().id());
      assertEquals(live, ws.nextOfType("event").getString("id"));
      assertNull(sse.next(Timeouts.QUIET), "nothing twice");
    }
  }

  @Test
  @Order(7)
  void aRepeatedIdempotencyKeyIsDeliveredOnceWhicheverInstanceOrProducerRepeatsIt() throws Exception {
    String token = Tokens.subscriber("grace");
    try (SseClient onA = SseClient.open(a.server(), "api/realtime/stream?channel=docs.k1&access_token=" + token);
        SseClient onB = SseClient.open(b.server(), "api/realtime/stream?channel=docs.k1&access_token=" + token)) {
      onA.next();
      onB.next();
      Server.Reply first = a.server().publishOnce(publisher, "docs.k1", "order.placed", "{\"n\":1}", "order-1");
      assertEquals(202, first.status(), first.body());
      Server.Reply again = b.server().publishOnce(publisher, "docs.k1", "order.placed", "{\"n\":1}", "order-1");
      assertEquals(202, again.status(), "a repeat on the other instance is accepted");

      // another system's producer retries its send: same key twice, and once more over HTTP
      ConnectionFactory core = new ActiveMQConnectionFactory(broker.url());
      try (JMSContext jms = core.createContext(ArtemisBroker.USER, ArtemisBroker.PASSWORD)) {
        for (int i = 0; i < 2; i++) {
          TextMessage message = text(jms, "{\"n\":2}", "docs.k1", "invoice.sent", null);
          message.setStringProperty("idempotencyKey", "invoice-9");
          jms.createProducer().send(jms.createTopic("herald.events"), message);
        }
      }
      // b has taken the key from the topic once its client has the event: only then ask b to repeat it
      assertEquals(first.json().getString("id"), onB.next().id());
      assertEquals("invoice.sent", onB.next().name());
      Server.Reply viaHttp = b.server().publishOnce(publisher, "docs.k1", "invoice.sent", "{\"n\":2}", "invoice-9");
      assertEquals("true", viaHttp.header("Idempotent-Replayed"), "b knows the key from the topic");
      String marker = a.server().publish(publisher, "docs.k1", "marker", "3").json().getString("id");

      assertEquals(marker, onB.next().id(), "each event once on b");
      assertEquals(first.json().getString("id"), onA.next().id());
      assertEquals("invoice.sent", onA.next().name());
      assertEquals(marker, onA.next().id(), "each event once on a");
      for (SseClient client : new SseClient[] {onA, onB}) {
        assertNull(client.next(Timeouts.QUIET));
      }
    }
  }
}
