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
import java.util.function.BiFunction;

/**
 * Two Herald instances on plain Payara Micro ({@code a}, {@code b}) and one standalone Artemis
 * broker with the broker roles docs/jms.md gives, started the way ops start them.
 */
public final class Cluster implements AutoCloseable {
  public final ArtemisBroker broker;
  public final PayaraProcess a;
  public final PayaraProcess b;
  private final Path key;
  private final Map<String, String> settings;
  /** The broker URL an instance (by name) is given: the broker's own, or a proxy's in front of it. */
  private final BiFunction<String, ArtemisBroker, String> brokerUrl;

  private Cluster(
      ArtemisBroker broker, Path key, PayaraProcess a, PayaraProcess b, Map<String, String> settings,
      BiFunction<String, ArtemisBroker, String> brokerUrl) {
    this.broker = broker;
    this.key = key;
    this.settings = settings;
    this.brokerUrl = brokerUrl;
    this.a = a;
    this.b = b;
  }

  /** Starts the broker and both instances, and waits until both are ready; b reconnects slowly. */
  public static Cluster start() throws Exception {
    // tests of other features count exactly the events they publish (HeraldDeployment)
    return start(Map.of("HERALD_NAMESPACE_CHAT_PRESENCE", "false", "HERALD_NAMESPACE_DOCS_PRESENCE", "false"));
  }

  /** As {@link #start()}, with more settings for both instances. */
  public static Cluster start(Map<String, String> settings) throws Exception {
    return start(settings, (name, broker) -> broker.url());
  }

  /** As {@link #start(Map)}, each instance reaching the broker at the URL {@code brokerUrl} gives it (a proxy's, say). */
  public static Cluster start(Map<String, String> settings, BiFunction<String, ArtemisBroker, String> brokerUrl) throws Exception {
    ArtemisBroker broker = ArtemisBroker.create("cluster");
    Path key = Files.writeString(Files.createTempFile("herald-key", ".pem"), TestKeys.TRUSTED.publicPem());
    PayaraProcess a = PayaraProcess.launch("a", Map.of(), env(brokerUrl.apply("a", broker), key, "a", ArtemisBroker.USER, "500", settings));
    // b reconnects slowly, so that a test can publish while it is away from the broker
    PayaraProcess b = PayaraProcess.launch("b", Map.of(), env(brokerUrl.apply("b", broker), key, "b", ArtemisBroker.OTHER_USER, "3000", settings));
    a.awaitReady();
    b.awaitReady();
    Cluster cluster = new Cluster(broker, key, a, b, settings, brokerUrl);
    awaitReadiness(a.server(), 200);
    awaitReadiness(b.server(), 200);
    return cluster;
  }

  /** Starts one more instance, {@code name}, beside the two, as ops add one to scale out. */
  public PayaraProcess launch(String name) throws java.io.IOException {
    return PayaraProcess.launch(name, Map.of(), env(brokerUrl.apply(name, broker), key, name, ArtemisBroker.USER, "500", settings));
  }

  private static Map<String, String> env(
      String brokerUrl, Path key, String id, String brokerUser, String reconnectMs, Map<String, String> settings) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", key.toUri().toString());
    env.put("MP_JWT_VERIFY_ISSUER", Tokens.ISSUER);
    env.put("HERALD_INSTANCE_ID", id);
    env.put("HERALD_BROKER_URL", brokerUrl);
    env.put("HERALD_BROKER_USER", brokerUser);
    env.put("HERALD_BROKER_PASSWORD", ArtemisBroker.PASSWORD);
    env.put("HERALD_BROKER_RECONNECT_MS", reconnectMs);
    env.put("HERALD_SSE_HEARTBEAT_MS", "1000");
    env.put("HERALD_SECURITY_DEFAULT_TENANT", "default");
    // producers' messages that name no tenant belong to it (docs/jms.md)
    env.put("HERALD_BROKER_INGRESS_DEFAULT_TENANT", "default");
    env.putAll(settings);
    return env;
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
