package io.herald.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.herald.testing.ArtemisBroker;
import io.herald.testing.Cluster;
import io.herald.testing.PayaraProcess;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import jakarta.jms.JMSContext;
import java.time.Duration;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;

/**
 * An instance killed ({@code kill -9}) and started again under its own id, as an orchestrator
 * restarts a crashed pod, found by the chaos run (docs/testing.md): the broker kept the dead
 * instance's connection, which holds the instance's client id and, if it was the one consuming
 * producers' messages, the ingress, for as long as its time-to-live (Artemis: a minute). With
 * {@code herald.broker.connection-ttl-ms} (10 s) the restarted instance is ready again, and
 * producers' messages flow again, well within the readiness wait (30 s).
 */
class CrashRestartIT {
  @Test
  void anInstanceKilledAndStartedAgainUnderItsIdIsReadyAndProducersMessagesStillArrive() throws Exception {
    try (Cluster cluster = Cluster.start()) {
      cluster.a.kill();
      // a producer of another system publishes while the dead instance may still hold the ingress
      ActiveMQConnectionFactory core = new ActiveMQConnectionFactory(cluster.broker.url());
      try (JMSContext jms = core.createContext(ArtemisBroker.PRODUCER, ArtemisBroker.PASSWORD)) {
        jms.createProducer().send(jms.createTopic("herald.events"), Cluster.text(jms, "{\"n\":1}", "jobs.crash", "job.note", null));
      }
      try (PayaraProcess again = cluster.launch("a")) {
        again.awaitReady();
        Cluster.awaitReadiness(again.server(), 200); // fails while the broker still holds its client id
        String token = Tokens.subscriber("carol");
        try (SseClient onB = SseClient.open(cluster.b.server(), "api/realtime/stream?channel=jobs.crash&access_token=" + token);
            SseClient onA = SseClient.open(again.server(), "api/realtime/stream?channel=jobs.crash&access_token=" + token)) {
          onB.next();
          onA.next();
          try (JMSContext jms = core.createContext(ArtemisBroker.PRODUCER, ArtemisBroker.PASSWORD)) {
            jms.createProducer().send(jms.createTopic("herald.events"), Cluster.text(jms, "{\"n\":2}", "jobs.crash", "job.note", null));
          }
          for (SseClient client : new SseClient[] {onB, onA}) {
            assertEquals(2, nextNumber(client, 2), "the producer's message after the crash arrives on both instances");
          }
        }
      }
    }
  }

  /** The number of the next event numbered {@code wanted} or beyond (the first message may come late, before it). */
  private static int nextNumber(SseClient client, int wanted) throws InterruptedException {
    long deadline = System.nanoTime() + Timeouts.EVENT.multipliedBy(2).toNanos();
    while (System.nanoTime() < deadline) {
      SseClient.Event event = client.next(Duration.ofSeconds(1));
      if (event != null && event.json().getJsonObject("data").getInt("n") >= wanted) {
        return event.json().getJsonObject("data").getInt("n");
      }
    }
    return -1;
  }
}
