package io.herald.appserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.PayaraDomain;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.TestKeys;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.TextMessage;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The same herald.war on a full Payara Server 6 domain, set up the way docs/operations.md tells an
 * operator: Herald's settings as environment variables of start-domain, then
 * payara-config/payara-server.sh. On the server's own JMS (Open MQ, herald.broker.type=jndi) and
 * on the bundled Artemis client: SSE, WebSocket, HTTP publish and a JMS producer's message all
 * reach the clients, in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PayaraServerIT {
  private static final Path SCRIPT = Path.of("payara-config", "payara-server.sh");
  private static final String WAR = System.getProperty("herald.war", "target/herald.war");
  private static final String PRODUCER_PASSWORD = "producer-secret";

  private PayaraDomain domain;
  private Path key;
  private int artemisPort;

  @BeforeAll
  void startDomain() throws Exception {
    key = Files.writeString(Files.createTempFile("herald-key", ".pem"), TestKeys.TRUSTED.publicPem());
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      artemisPort = free.getLocalPort();
    }
    // Everything but the key, which the first test leaves out on purpose
    domain =
        PayaraDomain.start(
            "herald-it",
            Map.of(
                "MP_JWT_VERIFY_ISSUER", Tokens.ISSUER,
                "HERALD_SECURITY_DEFAULT_TENANT", "default",
                "HERALD_BROKER_EMBEDDED_PORT", String.valueOf(artemisPort),
                "HERALD_BROKER_EMBEDDED_PRODUCER_PASSWORD", PRODUCER_PASSWORD));
  }

  @AfterAll
  void stopDomain() throws IOException {
    if (domain != null) {
      domain.close();
    }
    Files.deleteIfExists(key);
  }

  @Test
  @Order(1)
  void aDeploymentStoppedByItsChecksLeavesNothingRunningInTheServer() throws Exception {
    String refused = domain.asadminFailing("deploy", "--contextroot", "/", "--name", "herald", WAR);
    assertTrue(refused.contains("Herald has no JWT verification key"), "the reason reaches the operator: " + refused);
    // The server lives on after a failed deployment: had the embedded broker started, its port
    // would stay taken and the next deployment could not have its own.
    assertThrows(IOException.class, () -> new Socket().connect(new InetSocketAddress("127.0.0.1", artemisPort), 1000),
        "no broker left behind");
  }

  @Test
  @Order(3)
  void onTheServersOwnJmsEveryWayInReachesEveryClient() throws Exception {
    String setUp = runScript(domain, Map.of());
    assertTrue(setUp.contains("Successfully restarted the domain"), setUp);
    assertTrue(domain.asadmin("get", "configs.config.server-config.thread-pools.thread-pool.http-thread-pool.max-thread-pool-size").contains("=64"));
    assertTrue(domain.asadmin("get", "configs.config.server-config.thread-pools.thread-pool.http-thread-pool.max-queue-size").contains("=-1"));
    String resources = domain.asadmin("list-jms-resources");
    for (String name : List.of("jms/herald/ConnectionFactory", "jms/herald/internal", "jms/herald/events", "jms/herald/deadLetters")) {
      assertTrue(resources.contains(name), name + " in " + resources);
    }
    Server server = awaitReady(domain);
    assertTrue(domain.log().contains("Connected to the app server's jms/herald/ConnectionFactory"), "Herald uses the server's JMS");

    ConnectionFactory openMq = openMqFactory();
    everyWayIn(server, "jobs.1", () -> openMq.createContext("guest", "guest"));
  }

  @Test
  @Order(2)
  void onTheBundledArtemisClientEveryWayInReachesEveryClient() throws Exception {
    // the one Herald setting given as a system property: ':' is escaped for asadmin
    domain.asadmin("create-system-properties", "mp.jwt.verify.publickey.location=" + key.toUri().toString().replace(":", "\\:"));
    String setUp = runScript(domain, Map.of("HERALD_JMS", "bundled"));
    assertTrue(setUp.contains("Successfully restarted the domain"), setUp);
    assertTrue(setUp.contains("Application deployed with name herald"), setUp);
    Server server = awaitReady(domain);
    ConnectionFactory artemis = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + artemisPort);
    everyWayIn(server, "jobs.2", () -> artemis.createContext("producer", PRODUCER_PASSWORD));
  }

  /**
   * Scale-out on Payara Server: a second domain whose JMS service points at the first one's broker
   * (type REMOTE), both running Herald on the server's JMS. Each instance's clients get what is
   * published on the other, and a producer's message reaches both, once.
   */
  @Test
  @Order(4)
  void twoDomainsOnOneServerBrokerShareEverything() throws Exception {
    try (PayaraDomain second = PayaraDomain.start("herald-it-b", Map.of("MP_JWT_VERIFY_ISSUER", Tokens.ISSUER, "HERALD_SECURITY_DEFAULT_TENANT", "default"))) {
      second.asadmin("create-system-properties", "mp.jwt.verify.publickey.location=" + key.toUri().toString().replace(":", "\\:"));
      second.asadmin("set", "configs.config.server-config.jms-service.type=REMOTE");
      second.asadmin("set", "configs.config.server-config.jms-service.jms-host.default_JMS_host.host=127.0.0.1");
      second.asadmin("set", "configs.config.server-config.jms-service.jms-host.default_JMS_host.port=" + domain.jmsPort());
      runScript(second, Map.of());
      Server a = domain.server();
      Server b = awaitReady(second);
      String token = Tokens.forUser("ops").groups("publisher").subscribe("jobs.*").sign();
      try (SseClient onA = SseClient.open(a, "api/realtime/stream?channel=jobs.3&access_token=" + token);
          SseClient onB = SseClient.open(b, "api/realtime/stream?channel=jobs.3&access_token=" + token)) {
        assertEquals("connected", onA.next().name());
        assertEquals("connected", onB.next().name());
        assertEquals(202, a.publish(token, "jobs.3", "job.update", "{\"step\":1}").status());
        assertEquals(202, b.publish(token, "jobs.3", "job.update", "{\"step\":2}").status());
        ConnectionFactory openMq = openMqFactory();
        try (JMSContext jms = openMq.createContext("guest", "guest")) {
          TextMessage m = jms.createTextMessage("{\"step\":3}");
          m.setStringProperty("channel", "jobs.3");
          m.setStringProperty("event", "job.update");
          m.setStringProperty("tenant", "default");
          jms.createProducer().send(jms.createTopic("herald.events"), m);
        }
        for (SseClient stream : List.of(onA, onB)) {
          java.util.Set<Integer> steps = new java.util.TreeSet<>();
          for (int i = 0; i < 3; i++) {
            steps.add(stream.next().json().getJsonObject("data").getInt("step"));
          }
          assertEquals(java.util.Set.of(1, 2, 3), steps, "every event on both instances");
          assertEquals(null, stream.next(Timeouts.QUIET), "each once");
        }
      }
    }
  }

  private String runScript(PayaraDomain target, Map<String, String> env) throws Exception {
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("ASADMIN", PayaraDomain.asadmin());
    all.put("ASADMIN_OPTS", target.asadminOptions());
    all.put("DOMAIN", target.name());
    return target.run(List.of("bash", SCRIPT.toString(), WAR), all);
  }

  private static Server awaitReady(PayaraDomain domain) throws InterruptedException {
    Server server = domain.server();
    long deadline = System.nanoTime() + java.time.Duration.ofMinutes(2).toNanos();
    while (server.getRoot("health/ready").status() != 200) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not ready: " + server.getRoot("health/ready").body());
      }
      Thread.sleep(250);
    }
    return server;
  }

  /** An SSE and a WebSocket client on one channel get, in order: an HTTP publish, a WebSocket publish, a JMS producer's message. */
  private static void everyWayIn(Server server, String channel, java.util.function.Supplier<JMSContext> producer) throws Exception {
    String token = Tokens.forUser("ops").groups("publisher").subscribe("jobs.*").publishGrant("jobs.*").sign();
    try (SseClient stream = SseClient.open(server, "api/realtime/stream?channel=" + channel + "&access_token=" + token);
        WsClient ws = WsClient.connect(server, token)) {
      assertEquals("connected", stream.next().name());
      ws.subscribe(channel);

      Server.Reply published = server.publish(token, channel, "job.update", "{\"step\":1}");
      assertEquals(202, published.status(), published.body());
      JsonObject sent = ws.call("publish", "\"channel\":\"" + channel + "\",\"event\":\"job.update\",\"data\":{\"step\":2}");
      assertEquals("ok", sent.getString("type"), sent.toString());
      try (JMSContext jms = producer.get()) {
        TextMessage m = jms.createTextMessage("{\"step\":3}");
        m.setStringProperty("channel", channel);
        m.setStringProperty("event", "job.update");
        m.setStringProperty("tenant", "default");
        jms.createProducer().send(jms.createTopic("herald.events"), m);
      }

      for (int step = 1; step <= 3; step++) {
        SseClient.Event event = stream.next();
        assertEquals("job.update", event.name());
        assertEquals(step, event.json().getJsonObject("data").getInt("step"), "SSE, in order");
        JsonObject frame = ws.next(f -> "event".equals(f.getString("type", null)));
        assertEquals(step, frame.getJsonObject("data").getInt("step"), "WebSocket, in order");
        assertEquals(event.id(), frame.getString("id"), "one id on every transport");
      }
      assertEquals(null, stream.next(Timeouts.QUIET), "nothing else arrived");
    }
  }

  /** Open MQ's client from the server's own distribution, as a producer elsewhere would have it. */
  private ConnectionFactory openMqFactory() throws Exception {
    URL[] jars = PayaraDomain.openMqClient().stream().map(PayaraServerIT::url).toArray(URL[]::new);
    // parent first: the JMS API is the test's own, so the factory is a jakarta.jms.ConnectionFactory here
    ClassLoader loader = new URLClassLoader(jars, getClass().getClassLoader());
    Class<?> type = loader.loadClass("com.sun.messaging.ConnectionFactory");
    Object factory = type.getConstructor().newInstance();
    type.getMethod("setProperty", String.class, String.class).invoke(factory, "imqAddressList", "mq://127.0.0.1:" + domain.jmsPort());
    return (ConnectionFactory) factory;
  }

  private static URL url(Path jar) {
    try {
      return jar.toUri().toURL();
    } catch (java.net.MalformedURLException e) {
      throw new IllegalStateException(e);
    }
  }
}
