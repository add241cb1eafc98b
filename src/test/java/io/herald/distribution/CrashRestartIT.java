package io.herald.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.ArtemisBroker;
import io.herald.testing.Cluster;
import io.herald.testing.PayaraProcess;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import jakarta.jms.JMSContext;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;

/**
 * An instance killed ({@code kill -9}) and started again under its own id, as an orchestrator
 * restarts a crashed pod. Two things found by the chaos run (docs/testing.md):
 *
 * <ul>
 *   <li>the broker kept the dead instance's connection, which holds the instance's client id and,
 *       if it was the one consuming producers' messages, the ingress, for as long as its
 *       time-to-live (Artemis: a minute). With {@code herald.broker.connection-ttl-ms} (10 s) the
 *       restarted instance takes clients again well within 30 s, and producers' messages flow;
 *   <li>the restarted instance reported ready, and took clients, while the events its durable
 *       subscription had kept for it were still arriving; a client that resumed there got them as
 *       live events, events it had long had. Now it takes the backlog in first (until then
 *       readiness is DOWN and connections are refused with 503), and a client that resumes with
 *       its position gets nothing twice: nothing to replay, then the next event.
 * </ul>
 */
class CrashRestartIT {
  @Test
  void anInstanceKilledAndStartedAgainTakesInWhatTheBrokerKeptThenTakesClientsWhoGetNothingTwice() throws Exception {
    int backlog = 20_000;
    try (Cluster cluster = Cluster.start()) {
      String token = Tokens.subscriber("dora");
      try (SseClient onB = SseClient.open(cluster.b.server(), "api/realtime/stream?channel=jobs.backlog&access_token=" + token)) {
        onB.next();
        cluster.a.kill();
        // a producer of another system publishes while the dead instance may still hold the ingress
        ActiveMQConnectionFactory core = new ActiveMQConnectionFactory(cluster.broker.url());
        try (JMSContext jms = core.createContext(ArtemisBroker.PRODUCER, ArtemisBroker.PASSWORD, JMSContext.SESSION_TRANSACTED)) {
          for (int n = 0; n < backlog; n++) {
            jms.createProducer().send(jms.createTopic("herald.events"), Cluster.text(jms, "{\"n\":" + n + "}", "jobs.backlog", "job.note", null));
            if (n % 1000 == 999) {
              jms.commit();
            }
          }
          jms.commit();
        }
        assertEquals(backlog - 1, nextNumber(onB, backlog - 1, Duration.ofSeconds(90)), "b delivered the lot: a's subscription holds it too");
        String position = onB.lastEventId();
        try (PayaraProcess again = cluster.launch("a")) {
          again.awaitReady();
          int refused = 0;
          SseClient onA;
          // as a client does: try, and again after a short pause while refused; with the broker
          // holding the dead connection's client id for a minute, this ran out
          long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
          while ((onA = SseClient.open(again.server(), "api/realtime/stream?channel=jobs.backlog&lastEventId=" + position + "&access_token=" + token)).status() != 200) {
            assertEquals(503, onA.status(), onA.errorBody());
            assertTrue(onA.errorBody().contains("UNAVAILABLE"), onA.errorBody());
            onA.close();
            refused++;
            assertTrue(System.nanoTime() < deadline, "a took no client within 30 s of its start");
            Thread.sleep(20);
          }
          try (SseClient resumed = onA) {
            JsonObject connected = resumed.next().json();
            List<Integer> repeated = new ArrayList<>();
            for (SseClient.Event e; (e = resumed.next(Timeouts.QUIET)) != null; ) {
              if (e.json().containsKey("data")) {
                repeated.add(e.json().getJsonObject("data").getInt("n"));
              }
            }
            assertEquals(List.of(), repeated.subList(0, Math.min(5, repeated.size())), repeated.size() + " events it had already came again (the first five)");
            assertTrue(connected.getBoolean("recovered"), "resumed exactly: " + connected + " after " + refused + " refusals");
            assertEquals(200, Cluster.readiness(again.server()), "taking clients, and ready");
            try (JMSContext jms = core.createContext(ArtemisBroker.PRODUCER, ArtemisBroker.PASSWORD)) {
              jms.createProducer().send(jms.createTopic("herald.events"), Cluster.text(jms, "{\"n\":" + backlog + "}", "jobs.backlog", "job.note", null));
            }
            assertEquals(backlog, resumed.next().json().getJsonObject("data").getInt("n"), "then the next event, and only it");
            assertEquals(backlog, nextNumber(onB, backlog, Timeouts.EVENT), "the producer's message after the restart reaches both instances");
          }
        }
      }
    }
  }

  /** The number of the next event numbered {@code wanted} or beyond (the first message may come late, before it). */
  private static int nextNumber(SseClient client, int wanted, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      SseClient.Event event = client.next(Duration.ofSeconds(1));
      if (event != null && event.json().getJsonObject("data").getInt("n") >= wanted) {
        return event.json().getJsonObject("data").getInt("n");
      }
    }
    return -1;
  }
}
