package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.TestKeys;
import io.herald.testing.Tokens;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Keys from an HTTP JWKS endpoint (a local server standing in for the identity provider), and a
 * key rotation: after the provider switches to a new key, tokens signed with it are accepted.
 */
class JwksRotationIT {
  private static RSAKey jwk(TestKeys key, String kid) throws Exception {
    String pem = key.publicPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    RSAPublicKey pub =
        (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
    return new RSAKey.Builder(pub).keyID(kid).keyUse(KeyUse.SIGNATURE).build();
  }

  @Test
  void keysComeFromTheJwksUrlAndARotatedKeyIsPickedUp() throws Exception {
    AtomicReference<String> jwks = new AtomicReference<>(new JWKSet(jwk(TestKeys.TRUSTED, "k1")).toString());
    HttpServer idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    idp.createContext(
        "/jwks.json",
        exchange -> {
          byte[] body = jwks.get().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          // as identity providers do; Payara's MP-JWT caches the key set for this long
          exchange.getResponseHeaders().add("Cache-Control", "max-age=1");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    idp.start();
    Map<String, String> env =
        Map.of(
            "MP_JWT_VERIFY_PUBLICKEY_LOCATION", "http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks.json",
            "MP_JWT_VERIFY_ISSUER", Tokens.ISSUER,
            "HERALD_SECURITY_DEFAULT_TENANT", "default");
    try (PayaraProcess herald = PayaraProcess.start("jwks", Map.of(), env)) {
      Server server = herald.server();
      String before = Tokens.forUser("ops").groups("publisher").subscribe("jobs.*").keyId("k1").sign();
      assertEquals(202, server.publish(before, "jobs.1", "x", "1").status(), "header token, key k1");
      assertStreams(server, before);
      String rotatedEarly = Tokens.forUser("ops").groups("publisher").signedBy(TestKeys.ATTACKER).keyId("k2").sign();
      assertEquals(401, server.publish(rotatedEarly, "jobs.1", "x", "1").status(), "k2 is not trusted yet");

      // The provider rotates: k2 replaces k1.
      jwks.set(new JWKSet(jwk(TestKeys.ATTACKER, "k2")).toString());
      String after = Tokens.forUser("ops").groups("publisher").subscribe("jobs.*").signedBy(TestKeys.ATTACKER).keyId("k2").sign();
      assertStreams(server, after); // Herald's verifier refetches on the unknown kid at once
      // MP-JWT (the bearer header) refetches when the provider's max-age has passed.
      long deadline = System.nanoTime() + io.herald.testing.Timeouts.EVENT.toNanos();
      int status = server.publish(after, "jobs.1", "x", "1").status();
      while (status != 202 && System.nanoTime() < deadline) {
        Thread.sleep(250);
        status = server.publish(after, "jobs.1", "x", "1").status();
      }
      assertEquals(202, status, "header token, rotated key k2");
    } finally {
      idp.stop(0);
    }
  }

  private static void assertStreams(Server server, String token) throws Exception {
    try (SseClient stream = SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + token)) {
      assertEquals(200, stream.status(), stream.errorBody());
    }
  }
}
