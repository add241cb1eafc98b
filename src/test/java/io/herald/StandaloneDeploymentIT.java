package io.herald;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
    try (PayaraProcess herald = PayaraProcess.start("dev", Map.of(), Map.of("HERALD_DEV_MODE", "true"))) {
      Server server = herald.server();
      assertTrue(herald.log().contains("HERALD DEV MODE"), "dev mode says so loudly in the log");

      // The README walk-through: mint a token, open a stream, publish, see the event.
      Server.Reply minted = server.get("dev/token?sub=alice&groups=publisher&tenant=acme");
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
      }
      assertEquals(400, server.get("dev/token").status(), "sub is required");
    }
  }

  @Test
  void aKeyFromTheEnvironmentIsTrustedByHeaderAndQueryParameterAlike() throws Exception {
    Path key = Files.writeString(Files.createTempFile("herald-key", ".pem"), TestKeys.TRUSTED.publicPem());
    Map<String, String> env =
        Map.of("MP_JWT_VERIFY_PUBLICKEY_LOCATION", key.toUri().toString(), "MP_JWT_VERIFY_ISSUER", Tokens.ISSUER);
    try (PayaraProcess herald = PayaraProcess.start("envkey", Map.of(), env)) {
      Server server = herald.server();
      String token = Tokens.publisher("ops");
      try (SseClient stream = SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + token)) {
        assertEquals("connected", stream.next().name());
        assertEquals(202, server.publish(token, "jobs.1", "tick", "1").status());
        assertEquals("tick", stream.next().name());
      }
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
}
