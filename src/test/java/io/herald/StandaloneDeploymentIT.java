package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.TestKeys;
import io.herald.testing.Tokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The WAR as ops run it, on plain {@code java -jar payara-micro.jar --deploy herald.war}: dev mode
 * walks through the README's curl session; a key given by environment variable is honoured by
 * MP-JWT and by Herald's own verifier alike; without a key and without dev mode it refuses to start.
 */
class StandaloneDeploymentIT {
  @Test
  void devModeMintsTokensThatWorkEndToEnd() throws Exception {
    int brokerPort;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      brokerPort = free.getLocalPort();
    }
    Map<String, String> env = Map.of("HERALD_DEV_MODE", "true", "HERALD_BROKER_EMBEDDED_PORT", String.valueOf(brokerPort));
    try (PayaraProcess herald = PayaraProcess.start("dev", Map.of(), env)) {
      Server server = herald.server();
      assertTrue(herald.log().contains("HERALD DEV MODE"), "dev mode says so loudly in the log");
      // payara-config/pre-boot-commands.asadmin: the HTTP worker queue has no count limit (at one,
      // a reconnect storm left clients on connections nobody served: docs/performance.md)
      assertTrue(herald.log().contains("http-thread-pool.max-queue-size=-1"), "HTTP worker queue set");
      // payara-config/post-boot-commands.asadmin, which every instance here starts with, applies
      assertTrue(herald.log().contains("Boot Command create-system-properties returned with result SUCCESS"), "JSON-P provider set");
      assertTrue(herald.log().contains("Boot Command set-log-levels returned with result SUCCESS"), "log levels set");
      assertTrue(!herald.log().contains("result FAILURE"), "no boot command failed");

      // The README walk-through: mint a token, open a stream, publish, see the event.
      Server.Reply minted = server.get("dev/token?sub=alice&groups=publisher&tenant=acme&subscribe=jobs.*");
      assertEquals(200, minted.status(), minted.body());
      String token = minted.body().strip();
      try (SseClient stream = SseClient.open(server, "api/realtime/stream?channel=jobs.42&access_token=" + token)) {
        assertEquals("connected", stream.next().name());
        Server.Reply published = server.publish(token, "jobs.42", "job.update", "{\"pct\":42}");
        assertEquals(202, published.status(), published.body());
        SseClient.Event event = stream.next();
        assertEquals("job.update", event.name());
        assertEquals(published.json().getString("id"), event.id());
        assertEquals(42, event.json().getJsonObject("data").getInt("pct"));
        assertEquals("alice", event.json().getString("publisher"));
        assertEquals("acme", event.json().getString("tenant"));

        // The embedded broker's TCP acceptor lets a local producer in another process publish,
        // with the producers' login, whose password (not configured here) was logged once at start.
        java.util.regex.Matcher logged =
            java.util.regex.Pattern.compile("producers log in as 'producer' with the password '([^']+)'").matcher(herald.log());
        assertTrue(logged.find(), "the producers' password is logged once at start");
        String password = logged.group(1);
        jakarta.jms.ConnectionFactory local =
            new org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort);
        try (jakarta.jms.JMSContext jms = local.createContext("producer", password)) {
          jakarta.jms.TextMessage m = jms.createTextMessage("{\"pct\":100}");
          m.setStringProperty("channel", "jobs.42");
          m.setStringProperty("event", "job.done");
          m.setStringProperty("tenant", "acme");
          // what Herald sets on its own messages, forged: not read from a producer's message
          m.setStringProperty("heraldId", "1000-0-forged");
          m.setStringProperty("kind", "typing");
          jms.createProducer().send(jms.createTopic("herald.events"), m);
        }
        SseClient.Event fromJms = stream.next();
        assertEquals("job.done", fromJms.name(), "an event, not a signal");
        assertEquals(100, fromJms.json().getJsonObject("data").getInt("pct"));
        assertNotEquals("1000-0-forged", fromJms.id(), "the id is Herald's own");
        assertTrue(io.herald.bus.EventId.parse(fromJms.id()).compareTo(io.herald.bus.EventId.parse(event.id())) > 0);

        // The broker is a trust boundary: no login, no way in; producers may only publish.
        assertThrows(jakarta.jms.JMSRuntimeException.class, () -> local.createContext().close(), "no anonymous login");
        assertThrows(jakarta.jms.JMSRuntimeException.class, () -> local.createContext("producer", "guess").close());
        try (jakarta.jms.JMSContext jms = local.createContext("producer", password)) {
          assertThrows(
              jakarta.jms.JMSRuntimeException.class,
              () -> jms.createSharedDurableConsumer(jms.createTopic("herald.events"), "herald-ingress"),
              "a producer cannot read what others publish");
          assertThrows(
              jakarta.jms.JMSRuntimeException.class,
              () -> jms.createConsumer(jms.createTopic("herald.internal")),
              "nor what instances tell each other");
          assertThrows(
              jakarta.jms.JMSRuntimeException.class,
              () -> jms.createProducer().send(jms.createTopic("herald.internal"), jms.createTextMessage("{}")),
              "nor speak for an instance");
        }
        try (jakarta.jms.JMSContext jms = local.createContext("producer", password)) {
          jakarta.jms.TextMessage noTenant = jms.createTextMessage("1");
          noTenant.setStringProperty("channel", "jobs.42");
          noTenant.setStringProperty("event", "job.orphan");
          jms.createProducer().send(jms.createTopic("herald.events"), noTenant);
        }
        long deadline = System.nanoTime() + io.herald.testing.Timeouts.EVENT.toNanos();
        while (io.herald.testing.Metrics.value(server, "herald_broker_poison_total", "reason=\"no_tenant\"") < 1
            && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertEquals(1, io.herald.testing.Metrics.value(server, "herald_broker_poison_total", "reason=\"no_tenant\""), 0.1,
            "a producer's message must name its tenant: else it is dead-lettered");
        assertNull(stream.next(io.herald.testing.Timeouts.QUIET), "nothing else reached the client");
      }
      assertEquals(400, server.get("dev/token").status(), "sub is required");
      // the dashboard's way in, in dev mode: a minted admin (admin.js asks for exactly this one)
      String admin = server.get("dev/token?sub=dashboard&groups=admin").body().strip();
      assertEquals(200, server.get("api/admin/instances", admin).status());
      assertEquals(200, server.get("admin/").status(), "the dashboard page is served");
    }
  }

  @Test
  void aKeyFromTheEnvironmentIsTrustedAndHeraldAnswersWhileItsBrokerIsNotThereYet() throws Exception {
    Path key = Files.writeString(Files.createTempFile("herald-key", ".pem"), TestKeys.TRUSTED.publicPem());
    int nothingListens;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      nothingListens = free.getLocalPort();
    }
    Map<String, String> env =
        Map.of(
            "MP_JWT_VERIFY_PUBLICKEY_LOCATION", key.toUri().toString(),
            "MP_JWT_VERIFY_ISSUER", Tokens.ISSUER,
            "HERALD_BROKER_URL", "tcp://127.0.0.1:" + nothingListens,
            "HERALD_SECURITY_DEFAULT_TENANT", "default");
    try (PayaraProcess herald = PayaraProcess.start("envkey", Map.of(), env)) {
      Server server = herald.server();
      assertEquals(503, server.getRoot("health/ready").status(), "not ready without its broker");
      assertEquals(200, server.getRoot("health/live").status(), "but alive");
      String token = Tokens.forUser("ops").groups("publisher").subscribe("jobs.*").sign();
      try (SseClient stream = SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + token)) {
        // until it has reached its broker and taken in what the broker kept for it (jms.md)
        assertEquals(503, stream.status(), "new streams wait for the broker: " + stream.errorBody());
        assertTrue(stream.errorBody().contains("UNAVAILABLE"), stream.errorBody());
        assertEquals("1", stream.header("Retry-After"));
      }
      Server.Reply refused = server.publish(token, "jobs.1", "tick", "1");
      assertEquals(503, refused.status(), "the header token passed MP-JWT; the broker is what is missing");
      assertEquals("UNAVAILABLE", refused.code());
      assertEquals("1", refused.header("Retry-After"));
      String foreign = Tokens.forUser("x").groups("publisher").signedBy(TestKeys.ATTACKER).sign();
      assertEquals(401, server.publish(foreign, "jobs.1", "tick", "1").status());
      assertEquals(404, server.get("dev/token?sub=x").status(), "no dev tokens without dev mode");
    } finally {
      Files.deleteIfExists(key);
    }
  }

  @Test
  void withoutAKeyAndWithoutDevModeHeraldRefusesToStart() throws Exception {
    try (PayaraProcess herald = PayaraProcess.start("nokey", Map.of(), Map.of())) {
      assertTrue(herald.log().contains("Herald has no JWT verification key"), "the reason is logged");
      assertNotEquals(200, herald.server().get("api/realtime/status").status(), "nothing is served");
      assertNotEquals(200, herald.server().get("dev/token?sub=x").status(), "no dev tokens either");
    }
  }

  @Test
  void devModeBesideARealKeyInTheConfigFileRefusesToStartLoudly() throws Exception {
    Path war = io.herald.testing.HeraldDeployment.exportWithConfig(Map.of("mp.jwt.verify.publickey", TestKeys.TRUSTED.publicPem()));
    try (PayaraProcess herald = PayaraProcess.start("devkey", Map.of(), Map.of("HERALD_DEV_MODE", "true"), war)) {
      String log = herald.log();
      assertTrue(log.contains("HERALD REFUSES TO START"), "refused, loudly");
      assertTrue(log.contains("mp.jwt.verify.publickey"), "naming the setting that holds the real key");
      assertNotEquals(200, herald.server().get("dev/token?sub=x").status(), "no dev tokens beside a real key");
      assertNotEquals(200, herald.server().get("api/realtime/status").status(), "nothing is served");
    } finally {
      Files.deleteIfExists(war);
    }
  }

  @Test
  void aMistypedNamespaceSettingStopsTheDeploymentNamingEachMistake() throws Exception {
    Path key = Files.writeString(Files.createTempFile("herald-key", ".pem"), TestKeys.TRUSTED.publicPem());
    Map<String, String> env =
        Map.of(
            "MP_JWT_VERIFY_PUBLICKEY_LOCATION", key.toUri().toString(),
            "MP_JWT_VERIFY_ISSUER", Tokens.ISSUER,
            "HERALD_SECURITY_DEFAULT_TENANT", "default",
            "HERALD_NAMESPACE_JOBS_SUBSCRIBE", "grnat",
            "HERALD_NAMESPACE_TICKETS_TYPNG", "true");
    try (PayaraProcess herald = PayaraProcess.start("badns", Map.of(), env)) {
      String log = herald.log();
      assertTrue(log.contains("herald.namespace.jobs.subscribe is 'grnat'"), "the bad value, by its property");
      assertTrue(log.contains("HERALD_NAMESPACE_TICKETS_TYPNG is not a namespace setting"), "the unknown option");
      assertNotEquals(200, herald.server().get("api/realtime/status").status(), "nothing is served");
    } finally {
      Files.deleteIfExists(key);
    }
  }
}
