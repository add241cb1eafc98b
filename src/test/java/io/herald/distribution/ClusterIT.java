package io.herald.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.ArtemisBroker;
import io.herald.testing.Cluster;
import io.herald.testing.Metrics;
import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
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
import java.util.ArrayList;
import java.util.List;
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
  private static Cluster cluster;
  private static ArtemisBroker broker;
  private static PayaraProcess a;
  private static PayaraProcess b;
  private final String publisher = Tokens.publisher("backend");

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = Cluster.start();
    broker = cluster.broker;
    a = cluster.a;
    b = cluster.b;
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
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
      try (JMSContext jms = core.createContext(ArtemisBroker.PRODUCER, ArtemisBroker.PASSWORD)) {
        JMSProducer producer = jms.createProducer();
        producer.send(jms.createTopic("herald.events"), Cluster.text(jms, "{\"state\":\"running\"}", "jobs.ext", "job.started", "acme"));

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
      ConnectionFactory amqp = new JmsConnectionFactory(ArtemisBroker.PRODUCER, ArtemisBroker.PASSWORD, broker.amqpUrl());
      try (JMSContext jms = amqp.createContext()) {
        jms.createProducer().send(jms.createTopic("herald.events"), Cluster.text(jms, "{\"via\":\"amqp\"}", "jobs.ext", "job.note", "acme"));
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
  @Order(2)
  void messagesFromOtherSystemsGetIdsOfTheirOwnTheSameOnEveryInstance() throws Exception {
    String token = Tokens.forUser("bob").subscribe("jobs.*").tenant("acme").sign();
    try (SseClient onA = SseClient.open(a.server(), "api/realtime/stream?channel=jobs.ids&access_token=" + token);
        SseClient onB = SseClient.open(b.server(), "api/realtime/stream?channel=jobs.ids&access_token=" + token)) {
      onA.next();
      onB.next();
      // A producer that sends neither message ids nor timestamps (AMQP producers often have no
      // message id): three different messages, at once, nothing to tell them apart but their body.
      ConnectionFactory core = new ActiveMQConnectionFactory(broker.url());
      try (JMSContext jms = core.createContext(ArtemisBroker.PRODUCER, ArtemisBroker.PASSWORD)) {
        JMSProducer producer = jms.createProducer().setDisableMessageID(true).setDisableMessageTimestamp(true);
        for (int i = 0; i < 3; i++) {
          producer.send(jms.createTopic("herald.events"), Cluster.text(jms, String.valueOf(i), "jobs.ids", "n", "acme"));
        }
      }
      List<String> onAIds = new ArrayList<>();
      List<String> onBIds = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        SseClient.Event fromA = onA.next();
        assertEquals(i, fromA.json().getInt("data"), "every message, in order, none taken for a repeat of another");
        onAIds.add(fromA.id());
        onBIds.add(onB.next().id());
      }
      assertEquals(onAIds, onBIds, "each message has the same id on every instance");
      assertEquals(3, new java.util.HashSet<>(onAIds).size(), "and no two messages share one");
      assertTrue(io.herald.bus.EventId.parse(onAIds.get(0)).millis() > System.currentTimeMillis() - 60_000, "a real time, not 0");
    }
  }

  @Test
  @Order(3)
  void poisonIsDeadLetteredAndCountedAndTheNextMessageIsDelivered() throws Exception {
    String token = Tokens.subscriber("carol");
    // counted by the instance that took them from the ingress, whichever it is
    double before = Metrics.sum(a.server(), "herald_broker_poison_total") + Metrics.sum(b.server(), "herald_broker_poison_total");
    try (SseClient onB = SseClient.open(b.server(), "api/realtime/stream?channel=jobs.p&access_token=" + token)) {
      onB.next();
      ConnectionFactory core = new ActiveMQConnectionFactory(broker.url());
      try (JMSContext jms = core.createContext(ArtemisBroker.PRODUCER, ArtemisBroker.PASSWORD)) {
        JMSProducer producer = jms.createProducer();
        var topic = jms.createTopic("herald.events");
        producer.send(topic, "{\"no\":\"channel\"}");
        producer.send(topic, Cluster.text(jms, "{not json", "jobs.p", "x", null));
        producer.send(topic, Cluster.text(jms, "{}", "Not A Channel", "x", null));
        producer.send(topic, Cluster.text(jms, "\"" + "z".repeat(70_000) + "\"", "jobs.p", "x", null));
        producer.send(topic, Cluster.text(jms, "{\"fine\":true}", "jobs.p", "after.poison", null));

        SseClient.Event next = onB.next();
        assertEquals("after.poison", next.name(), "the good message after the poison is delivered");
        assertNull(onB.next(Timeouts.QUIET), "no poison reached a client");
        assertEquals(
            before + 4,
            Metrics.sum(a.server(), "herald_broker_poison_total") + Metrics.sum(b.server(), "herald_broker_poison_total"),
            "each poison counted, once");

        List<String> errors = new ArrayList<>();
        try (JMSContext ops = core.createContext(ArtemisBroker.ADMIN, ArtemisBroker.PASSWORD);
            var deadLetters = ops.createConsumer(ops.createQueue("herald.dead-letter"))) {
          Message m;
          while ((m = deadLetters.receive(2000)) != null) {
            errors.add(m.getJMSMessageID());
          }
        }
        assertEquals(4, errors.size(), "each poison message is dead-lettered once, where ops can find it");
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
      Cluster.awaitReadiness(b.server(), 503);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        ids.add(a.server().publish(publisher, "jobs.gap", "while.away", String.valueOf(i)).json().getString("id"));
      }
      assertEquals(503, Cluster.readiness(b.server()), "all ten were published while b was away");
      Cluster.awaitReadiness(b.server(), 200);
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
      Cluster.awaitReadiness(a.server(), 503);
      Cluster.awaitReadiness(b.server(), 503);
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
      Cluster.awaitReadiness(a.server(), 200);
      Cluster.awaitReadiness(b.server(), 200);
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
      try (JMSContext jms = core.createContext(ArtemisBroker.PRODUCER, ArtemisBroker.PASSWORD)) {
        for (int i = 0; i < 2; i++) {
          TextMessage message = Cluster.text(jms, "{\"n\":2}", "docs.k1", "invoice.sent", null);
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

  @Test
  @Order(8)
  void anInstanceThatStopsWhileProducersSendDeadLettersNoValidMessage() throws Exception {
    ConnectionFactory core = new ActiveMQConnectionFactory(broker.url());
    int deadBefore = Cluster.deadLetterCount(core);
    int sent = 0;
    boolean[] graceful = new boolean[1];
    try (JMSContext jms = core.createContext(ArtemisBroker.PRODUCER, ArtemisBroker.PASSWORD)) {
      JMSProducer producer = jms.createProducer();
      for (; sent < 400; sent++) {
        producer.send(jms.createTopic("herald.events"), Cluster.text(jms, String.valueOf(sent), "jobs.stop", "n", "acme"));
      }
      // a steady stream of valid events through both instances while b shuts down (SIGTERM)
      for (int i = 0; i < 30; i++) {
        a.server().publish(publisher, "jobs.stop", "http", String.valueOf(i));
      }
      Thread stopper = new Thread(() -> graceful[0] = b.stop(60));
      stopper.start();
      while (stopper.isAlive() && sent < 20_000) {
        producer.send(jms.createTopic("herald.events"), Cluster.text(jms, String.valueOf(sent++), "jobs.stop", "n", "acme"));
      }
      stopper.join();
    }
    assertTrue(graceful[0], "b shut down by itself (SIGTERM), as ops stop it");
    assertEquals(deadBefore, Cluster.deadLetterCount(core), "nothing was dead-lettered because an instance was stopping (" + sent + " sent)");
  }
}
