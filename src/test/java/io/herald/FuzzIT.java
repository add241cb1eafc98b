package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.herald.testing.Fuzz;
import io.herald.testing.HeraldDeployment;
import io.herald.testing.Metrics;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.TextMessage;
import jakarta.json.JsonObject;
import java.net.ServerSocket;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Seeded fuzz over real sockets, a few seconds each: bad WebSocket messages, publish bodies and
 * JMS messages get their documented answer, the connection or the consumer that took them carries
 * on, and a client beside them loses nothing. Replay a failure with {@code -Dherald.fuzz.seed=}.
 */
@ExtendWith(ArquillianExtension.class)
class FuzzIT {
  private static final Set<String> WS_CODES =
      Set.of(
          "INVALID_MESSAGE", "INVALID_CHANNEL", "INVALID_EVENT", "INVALID_POSITION", "INVALID_IDEMPOTENCY_KEY",
          "INVALID_TOKEN", "PERMISSION_DENIED", "TOO_MANY_SUBSCRIPTIONS", "RATE_LIMIT_EXCEEDED", "UNAVAILABLE");
  private static final Set<String> WS_TYPES = Set.of("ok", "error", "event", "gap", "typing", "pong", "unsubscribed");
  private static final Set<String> HTTP_CODES =
      Set.of("INVALID_JSON", "INVALID_EVENT", "INVALID_CHANNEL", "INVALID_IDEMPOTENCY_KEY", "PAYLOAD_TOO_LARGE", "PERMISSION_DENIED");
  private static final List<String> WS_VALID =
      List.of(
          "{\"type\":\"subscribe\",\"id\":\"1\",\"channel\":\"chat.fuzz\",\"since\":\"1795445796241-0-76c5c3b7\"}",
          "{\"type\":\"publish\",\"id\":2,\"channel\":\"chat.fuzz\",\"event\":\"m\",\"data\":{\"t\":\"hi\"},\"echo\":false,\"idempotencyKey\":\"k-1\"}",
          "{\"type\":\"typing\",\"id\":\"4\",\"channel\":\"chat.fuzz\",\"state\":\"start\"}",
          "{\"type\":\"refresh\",\"id\":\"6\",\"token\":\"a.b.c\"}",
          "{\"type\":\"unsubscribe\",\"id\":\"7\",\"channel\":\"chat.fuzz\"}",
          "{\"type\":\"ping\",\"id\":\"8\"}");
  private static final List<String> BODIES =
      List.of("{\"event\":\"job.update\",\"data\":{\"pct\":42,\"tags\":[\"a\"]}}", "{\"event\":\"x\",\"data\":null}");
  private static int brokerPort;
  private static final String PRODUCER_PASSWORD = "fuzz-producer";

  @Deployment(testable = false)
  static WebArchive deployment() throws Exception {
    try (ServerSocket free = new ServerSocket(0)) {
      brokerPort = free.getLocalPort();
    }
    return HeraldDeployment.create(
        Map.of(
            "herald.limits.messages.burst", "100000",
            "herald.limits.messages.per-second", "100000",
            "herald.limits.publish.burst", "100000",
            "herald.limits.publish.per-second", "100000",
            "herald.broker.embedded.port", String.valueOf(brokerPort),
            "herald.broker.embedded.producer-password", PRODUCER_PASSWORD,
            "herald.broker.ingress.default-tenant", "default"));
  }

  @ArquillianResource URL url;
  private Server server;
  private final String publisher = Tokens.publisher("backend");

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  @Test
  void badWebSocketMessagesGetDocumentedErrorsAndNobodyLosesAnything() throws Exception {
    Fuzz fuzz = new Fuzz(Fuzz.SEED);
    String control = "jobs.fuzz-ws";
    try (WsClient fuzzer = WsClient.connect(server, Tokens.forUser("fuzzer").subscribe("jobs.*").sign());
        SseClient bystander = SseClient.open(server, "api/realtime/stream?channel=" + control + "&access_token=" + Tokens.subscriber("by"))) {
      fuzzer.nextOfType("connected");
      bystander.next();
      List<String> published = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        String message = fuzz.mutate(fuzz.pick(WS_VALID));
        fuzzer.sendRaw(message);
        if (i % 20 == 0) {
          published.add(server.publish(publisher, control, "tick", String.valueOf(i)).json().getString("id"));
        }
        JsonObject frame;
        while ((frame = fuzzer.poll(Duration.ZERO)) != null) {
          checkFrame("seed " + Fuzz.SEED + ", message " + i + " (" + message + ")", frame);
        }
      }
      JsonObject pong = fuzzer.call("ping", "");
      assertEquals("pong", pong.getString("type"), "the fuzzed connection is alive and answering");
      assertTrue(fuzzer.isOpen());
      for (String id : published) {
        assertEquals(id, bystander.next().id(), "the bystander got every event, in order");
      }
      assertEquals(0, Metrics.value(server, "herald_connections_closed_total", "reason=\"error\""), 0.1, "no failure of Herald's (1011)");
    }
  }

  private static void checkFrame(String at, JsonObject frame) {
    String type = frame.getString("type", null);
    if (!WS_TYPES.contains(type)) {
      fail(at + ": undocumented frame " + frame);
    }
    if ("error".equals(type) && !WS_CODES.contains(frame.getString("code"))) {
      fail(at + ": undocumented code " + frame);
    }
  }

  @Test
  void badPublishBodiesGetDocumentedErrorsNeverA500() {
    Fuzz fuzz = new Fuzz(Fuzz.SEED + 1);
    for (int i = 0; i < 400; i++) {
      String body = fuzz.mutate(fuzz.pick(BODIES));
      Server.Reply reply =
          fuzz.random().nextBoolean()
              ? server.publishRaw(publisher, "jobs.fuzz", body)
              : server.publishBatch(publisher, "{\"events\":[" + body.replaceFirst("^\\{", "{\"channel\":\"jobs.fuzz\",") + "]}");
      String at = "seed " + (Fuzz.SEED + 1) + ", body " + i + " (" + body + ")";
      if (reply.status() == 202) {
        continue;
      }
      assertTrue(reply.status() == 400 || reply.status() == 413, at + ": status " + reply.status() + " " + reply.body());
      assertTrue(HTTP_CODES.contains(reply.code()), at + ": " + reply.body());
      assertNull(reply.json().getString("correlationId", null), at + ": nothing went wrong inside Herald");
    }
  }

  @Test
  void badJmsMessagesAreDeadLetteredAndTheIngressCarriesOn() throws Exception {
    Random random = new Random(Fuzz.SEED + 2);
    Fuzz fuzz = new Fuzz(Fuzz.SEED + 2);
    String token = Tokens.subscriber("listener");
    double poisonBefore = Metrics.sum(server, "herald_broker_poison_total");
    try (SseClient client = SseClient.open(server, "api/realtime/stream?channel=jobs.fuzz-jms&access_token=" + token)) {
      client.next();
      ConnectionFactory factory = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort);
      List<String> delivered = new ArrayList<>();
      try (JMSContext jms = factory.createContext("producer", PRODUCER_PASSWORD)) {
        for (int i = 0; i < 300; i++) {
          boolean good = random.nextInt(3) == 0;
          String body = good ? "\"good-" + i + "\"" : fuzz.mutate("{\"pct\":42}");
          TextMessage m = jms.createTextMessage(body);
          m.setStringProperty("channel", good || random.nextBoolean() ? "jobs.fuzz-jms" : fuzz.mutate("{\"c\":\"x\"}"));
          m.setStringProperty("event", good || random.nextBoolean() ? "n" : fuzz.mutate("{\"e\":\"x\"}"));
          if (good) {
            delivered.add("good-" + i);
          }
          jms.createProducer().send(jms.createTopic("herald.events"), m);
        }
      }
      List<String> got = new ArrayList<>();
      SseClient.Event event;
      while ((event = client.next(Duration.ofSeconds(5))) != null && got.size() < 1000) {
        JsonObject envelope = event.json();
        if (envelope.get("data") instanceof jakarta.json.JsonString s && s.getString().startsWith("good-")) {
          got.add(s.getString());
        }
        if (got.size() == delivered.size()) {
          break;
        }
      }
      assertEquals(delivered, got, "every good message, in order, whatever came between them");
      assertTrue(Metrics.sum(server, "herald_broker_poison_total") > poisonBefore, "the bad ones were dead-lettered");
    }
  }
}
