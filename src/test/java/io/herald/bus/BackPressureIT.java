package io.herald.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Metrics;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSProducer;
import jakarta.jms.TextMessage;
import java.net.ServerSocket;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bus's backlog is bounded: a flood from other systems' producers is held back in the broker
 * (the consumer waits), publishers meanwhile are told 503 with Retry-After, and nothing accepted
 * is lost or reordered.
 */
@ExtendWith(ArquillianExtension.class)
class BackPressureIT {
  private static final int BUS = 2;
  private static final int FLOOD = 3000;
  private static final int SUBSCRIBERS = 60;
  private static int brokerPort;

  @Deployment(testable = false)
  static WebArchive deployment() throws Exception {
    try (ServerSocket free = new ServerSocket(0)) {
      brokerPort = free.getLocalPort();
    }
    return HeraldDeployment.create(
        Map.of(
            "herald.bus.queue-size", String.valueOf(BUS),
            "herald.limits.connections.per-ip", "1000",
            "herald.limits.publish.burst", "100000",
            "herald.limits.publish.per-second", "100000",
            "herald.sse.queue-size", "10000",
            "herald.broker.embedded.port", String.valueOf(brokerPort),
            "herald.broker.embedded.producer-password", "bp",
            "herald.broker.ingress.default-tenant", "default"));
  }

  @ArquillianResource URL url;

  @Test
  void aFloodWaitsInTheBrokerPublishersAreToldToRetryAndNothingIsLost() throws Exception {
    Server server = Server.at(url);
    String publisher = Tokens.publisher("backend");
    List<SseClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < SUBSCRIBERS; i++) {
        SseClient client = SseClient.open(server, "api/realtime/stream?channel=jobs.bp&access_token=" + Tokens.subscriber("u" + (i / 10)));
        client.next();
        clients.add(client);
      }
      Thread flood =
          new Thread(
              () -> {
                try (JMSContext jms = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort).createContext("producer", "bp")) {
                  JMSProducer producer = jms.createProducer();
                  for (int i = 0; i < FLOOD; i++) {
                    TextMessage m = jms.createTextMessage(String.valueOf(i));
                    m.setStringProperty("channel", "jobs.bp");
                    m.setStringProperty("event", "flood");
                    producer.send(jms.createTopic("herald.events"), m);
                  }
                } catch (jakarta.jms.JMSException e) {
                  throw new IllegalStateException(e);
                }
              });
      flood.start();
      // while the flood is taken in, publishers are told to come back later; what is taken is delivered
      Server.Reply refused = null;
      Set<String> accepted = new HashSet<>();
      int maxDepth = 0;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while ((flood.isAlive() || refused == null) && System.nanoTime() < deadline) {
        Server.Reply reply = server.publish(publisher, "jobs.bp", "http", "1");
        if (reply.status() == 202) {
          accepted.add(reply.json().getString("id"));
        } else if (refused == null) {
          refused = reply;
        }
        maxDepth = Math.max(maxDepth, (int) Metrics.value(server, "herald_bus_queue_depth"));
        Thread.sleep(5);
      }
      flood.join();
      assertNotNull(refused, "a publisher was refused while the bus was full");
      assertEquals(503, refused.status(), refused.body());
      assertEquals("UNAVAILABLE", refused.code());
      assertEquals("1", refused.header("Retry-After"));
      assertTrue(maxDepth <= BUS, "the bus never held more than its bound (" + maxDepth + ")");
      assertTrue(Metrics.value(server, "herald_bus_backpressure_waits") > 0, "the broker's consumer was made to wait");

      for (SseClient client : clients) {
        int flooded = 0;
        Set<String> http = new HashSet<>();
        while (flooded < FLOOD || http.size() < accepted.size()) {
          SseClient.Event event = client.next(Timeouts.EVENT);
          assertNotNull(event, "every accepted event arrives (" + flooded + " of the flood, " + http.size() + " published)");
          if (event.name().equals("flood")) {
            assertEquals(flooded++, event.json().getInt("data"), "the flood, in order, once");
          } else {
            http.add(event.id());
          }
        }
        assertEquals(accepted, http, "and every publish answered 202");
      }
    } finally {
      SseClient.closeAll(clients);
    }
  }
}
