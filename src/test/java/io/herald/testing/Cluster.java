package io.herald.testing;

import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.QueueBrowser;
import jakarta.jms.TextMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;

/**
 * Two Herald instances on plain Payara Micro ({@code a}, {@code b}) and one standalone Artemis
 * broker with the broker roles docs/jms.md gives, started the way ops start them.
 */
public final class Cluster implements AutoCloseable {
  public final ArtemisBroker broker;
  public final PayaraProcess a;
  public final PayaraProcess b;
  private final Path key;

  private Cluster(ArtemisBroker broker, Path key, PayaraProcess a, PayaraProcess b) {
    this.broker = broker;
    this.key = key;
    this.a = a;
    this.b = b;
  }

  /** Starts the broker and both instances, and waits until both are ready; b reconnects slowly. */
  public static Cluster start() throws Exception {
    ArtemisBroker broker = ArtemisBroker.create("cluster");
    Path key = Files.writeString(Files.createTempFile("herald-key", ".pem"), TestKeys.TRUSTED.publicPem());
    PayaraProcess a = PayaraProcess.launch("a", Map.of(), env(broker, key, "a", ArtemisBroker.USER, "500"));
    // b reconnects slowly, so that a test can publish while it is away from the broker
    PayaraProcess b = PayaraProcess.launch("b", Map.of(), env(broker, key, "b", ArtemisBroker.OTHER_USER, "3000"));
    a.awaitReady();
    b.awaitReady();
    Cluster cluster = new Cluster(broker, key, a, b);
    awaitReadiness(a.server(), 200);
    awaitReadiness(b.server(), 200);
    return cluster;
  }

  private static Map<String, String> env(ArtemisBroker broker, Path key, String id, String brokerUser, String reconnectMs) {
    return Map.of(
        "MP_JWT_VERIFY_PUBLICKEY_LOCATION", key.toUri().toString(),
        "MP_JWT_VERIFY_ISSUER", Tokens.ISSUER,
        "HERALD_INSTANCE_ID", id,
        "HERALD_BROKER_URL", broker.url(),
        "HERALD_BROKER_USER", brokerUser,
        "HERALD_BROKER_PASSWORD", ArtemisBroker.PASSWORD,
        "HERALD_BROKER_RECONNECT_MS", reconnectMs,
        "HERALD_SSE_HEARTBEAT_MS", "1000",
        "HERALD_SECURITY_DEFAULT_TENANT", "default",
        // producers' messages that name no tenant belong to it (docs/jms.md)
        "HERALD_BROKER_INGRESS_DEFAULT_TENANT", "default");
  }

  /** {@code GET /health/ready}'s status. */
  public static int readiness(Server server) {
    return server.getRoot("health/ready").status();
  }

  /** Waits until readiness answers {@code status}. */
  public static void awaitReadiness(Server server, int status) throws InterruptedException {
    long deadline = System.nanoTime() + Timeouts.EVENT.multipliedBy(3).toNanos();
    while (readiness(server) != status) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("readiness never became " + status);
      }
      Thread.sleep(100);
    }
  }

  /** A message in the producer contract's first form: JSON body, routing in properties. */
  public static TextMessage text(JMSContext jms, String body, String channel, String event, String tenant) throws JMSException {
    TextMessage message = jms.createTextMessage(body);
    message.setStringProperty("channel", channel);
    message.setStringProperty("event", event);
    if (tenant != null) {
      message.setStringProperty("tenant", tenant);
    }
    return message;
  }

  /** Messages in the dead-letter queue now, read by the broker's operator without taking them. */
  public static int deadLetterCount(ConnectionFactory core) throws JMSException {
    try (JMSContext ops = core.createContext(ArtemisBroker.ADMIN, ArtemisBroker.PASSWORD);
        QueueBrowser browser = ops.createBrowser(ops.createQueue("herald.dead-letter"))) {
      return Collections.list(browser.getEnumeration()).size();
    }
  }

  @Override
  public void close() throws Exception {
    a.close();
    b.close();
    broker.close();
    Files.deleteIfExists(key);
  }
}
