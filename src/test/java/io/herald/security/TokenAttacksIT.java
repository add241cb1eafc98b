package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.herald.testing.HeraldDeployment;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.TestKeys;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every well-known way to forge or misuse a token, against every way a token comes in: the publish
 * API (bearer header, verified by MP-JWT), SSE (query parameter and header), WebSocket
 * (subprotocol and query parameter). Each must be refused: 401 INVALID_TOKEN, or close 1008.
 */
@ExtendWith(ArquillianExtension.class)
class TokenAttacksIT {
  private static final String AUDIENCE = "herald";

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(Map.of("mp.jwt.verify.audiences", AUDIENCE));
  }

  @ArquillianResource URL url;
  private Server server;

  @BeforeEach
  void setUp() {
    server = Server.at(url);
  }

  private static Tokens valid(String user) {
    return Tokens.forUser(user).audience(AUDIENCE).groups("publisher").subscribe("jobs.*");
  }

  /** The attacks, by name. */
  private static Map<String, String> attacks() throws Exception {
    Map<String, String> attacks = new LinkedHashMap<>();
    String good = valid("alice").sign();
    String[] parts = good.split("\\.");
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();

    attacks.put("alg none", b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".");
    JWTClaimsSet claims = SignedJWT.parse(good).getJWTClaimsSet();
    SignedJWT hs = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    hs.sign(new MACSigner(TestKeys.TRUSTED.publicPem().getBytes(StandardCharsets.UTF_8)));
    attacks.put("HS256 keyed with the public key", hs.serialize());
    attacks.put("expired", valid("alice").expiresAt(Instant.now().minusSeconds(3600)).sign());
    attacks.put("nbf in the future", valid("alice").notBefore(Instant.now().plusSeconds(3600)).sign());
    attacks.put("wrong issuer", valid("alice").issuer("https://evil.example/").sign());
    attacks.put("wrong audience", Tokens.forUser("alice").audience("someone-else").groups("publisher").subscribe("jobs.*").sign());
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("\"alice\"", "\"admin\"");
    attacks.put("tampered payload", parts[0] + "." + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2]);
    attacks.put("unknown key", valid("alice").signedBy(TestKeys.ATTACKER).sign());
    attacks.put("missing sub", Tokens.forUser(null).audience(AUDIENCE).groups("publisher").subscribe("jobs.*").sign());
    return attacks;
  }

  @Test
  void theControlTokenIsAcceptedEverywhere() throws Exception {
    String good = valid("alice").sign();
    assertEquals(202, server.publish(good, "jobs.1", "ok", "1").status());
    try (SseClient viaQuery = SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + good);
        SseClient viaHeader = SseClient.openWithHeader(server, "api/realtime/stream?channel=jobs.1", good);
        WsClient ws = WsClient.connect(server, good)) {
      assertEquals(200, viaQuery.status());
      assertEquals(200, viaHeader.status());
      assertEquals("connected", ws.next().getString("type"));
    }
  }

  @Test
  void everyAttackIsRefusedOnEveryEntryPoint() throws Exception {
    for (Map.Entry<String, String> attack : attacks().entrySet()) {
      String name = attack.getKey();
      String token = attack.getValue();

      Server.Reply publish = server.publish(token, "jobs.1", "evil", "1");
      assertEquals(401, publish.status(), name + " on the publish API: " + publish.body());
      assertEquals("INVALID_TOKEN", publish.code(), name);

      for (SseClient sse :
          List.of(
              SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + token),
              SseClient.openWithHeader(server, "api/realtime/stream?channel=jobs.1", token))) {
        assertEquals(401, sse.status(), name + " on SSE: " + sse.errorBody());
        assertTrue(sse.errorBody().contains("\"INVALID_TOKEN\""), name + ": " + sse.errorBody());
      }

      for (WsClient ws : List.of(WsClient.connect(server, token), WsClient.connectWithQueryToken(server, token))) {
        WsClient.Close close = ws.awaitClose(Timeouts.EVENT);
        assertNotNull(close, name + " on WebSocket: closed");
        assertEquals(1008, close.code(), name + " on WebSocket: " + close.reason());
      }
    }
  }
}
