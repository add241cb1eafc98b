package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.TestKeys;
import io.herald.testing.Timeouts;
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
 * key rotation, on every entry point at once: before the provider publishes a key, tokens signed
 * with it are refused everywhere; once it does, they are accepted everywhere at the first token
 * that names it; a key the provider withdrew is refused everywhere once the key set's cache time
 * has passed. One verifier: at no moment do two entry points disagree.
 */
class JwksRotationIT {
  private static RSAKey jwk(TestKeys key, String kid) throws Exception {
    String pem = key.publicPem().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    RSAPublicKey pub =
        (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
    return new RSAKey.Builder(pub).keyID(kid).keyUse(KeyUse.SIGNATURE).build();
  }

  /** A token of the kind the entry point takes, signed by {@code key} under key id {@code kid}. */
  private static String token(EntryPoint entry, TestKeys key, String kid) {
    Tokens token = Tokens.forUser("ops").signedBy(key).keyId(kid);
    return (entry.subscription ? token.claim("channel", EntryPoint.SUBSCRIBED) : token.groups("publisher").subscribe("jobs.*"))
        .sign();
  }

  @Test
  void aRotatedKeyIsTakenAndAWithdrawnOneRefusedAlikeOnEveryEntryPoint() throws Exception {
    AtomicReference<String> jwks = new AtomicReference<>(new JWKSet(jwk(TestKeys.TRUSTED, "k1")).toString());
    HttpServer idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    idp.createContext(
        "/jwks.json",
        exchange -> {
          byte[] body = jwks.get().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    idp.start();
    Map<String, String> env =
        Map.of(
            "MP_JWT_VERIFY_PUBLICKEY_LOCATION", "http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks.json",
            "MP_JWT_VERIFY_ISSUER", Tokens.ISSUER,
            "HERALD_SECURITY_DEFAULT_TENANT", "default",
            "HERALD_SECURITY_JWKS_CACHE_MS", "1000");
    try (PayaraProcess herald = PayaraProcess.start("jwks", Map.of(), env)) {
      Server server = herald.server();
      String k1Good = token(EntryPoint.PUBLISH_HEADER, TestKeys.TRUSTED, "k1");
      for (EntryPoint entry : EntryPoint.values()) {
        assertTrue(entry.present(server, token(entry, TestKeys.TRUSTED, "k1"), k1Good).accepted(), "k1 on " + entry);
        EntryPoint.Verdict early = entry.present(server, token(entry, TestKeys.ATTACKER, "k2"), k1Good);
        assertFalse(early.accepted(), "k2 is not published yet, on " + entry);
        assertEquals("INVALID_TOKEN", early.code(), entry + ": " + early.message());
      }

      // The provider rotates: k2 replaces k1.
      jwks.set(new JWKSet(jwk(TestKeys.ATTACKER, "k2")).toString());
      String k2Good = token(EntryPoint.PUBLISH_HEADER, TestKeys.ATTACKER, "k2");
      // the first token naming k2 makes the verifier fetch the set again (refetches are rate-limited)
      awaitVerdict(server, EntryPoint.PUBLISH_HEADER, k2Good, k2Good, true);
      for (EntryPoint entry : EntryPoint.values()) {
        assertTrue(entry.present(server, token(entry, TestKeys.ATTACKER, "k2"), k2Good).accepted(), "k2 on " + entry);
      }
      // k1 is gone from the set: refused everywhere once the cached set (1 s here) has expired
      awaitVerdict(server, EntryPoint.SSE_QUERY, token(EntryPoint.SSE_QUERY, TestKeys.TRUSTED, "k1"), k2Good, false);
      for (EntryPoint entry : EntryPoint.values()) {
        EntryPoint.Verdict withdrawn = entry.present(server, token(entry, TestKeys.TRUSTED, "k1"), k2Good);
        assertFalse(withdrawn.accepted(), "k1 was withdrawn, on " + entry);
        assertEquals("INVALID_TOKEN", withdrawn.code(), entry + ": " + withdrawn.message());
      }
    } finally {
      idp.stop(0);
    }
  }

  private static void awaitVerdict(Server server, EntryPoint entry, String token, String good, boolean accepted) throws Exception {
    long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
    while (entry.present(server, token, good).accepted() != accepted) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(entry + " never " + (accepted ? "accepted" : "refused") + " the token");
      }
      Thread.sleep(200);
    }
  }
}
