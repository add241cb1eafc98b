package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.herald.testing.HeraldDeployment;
import io.herald.testing.Server;
import io.herald.testing.TestKeys;
import io.herald.testing.Tokens;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every well-known way to forge or misuse a token, against every way a token comes in (the
 * {@code Authorization} header, {@code access_token} on SSE, long-polling and WebSocket, the
 * WebSocket subprotocol and refresh, subscription tokens on SSE and WebSocket). One verifier, so
 * one verdict: each attack is refused everywhere with the same documented code, in Herald's own
 * words, and the control token is accepted everywhere.
 */
@ExtendWith(ArquillianExtension.class)
class TokenAttacksIT {
  private static final String AUDIENCE = "herald";
  /** Texts of the token library that must never reach a client. */
  private static final List<String> LIBRARY_WORDS = List.of("JWT rejected", "JOSE", "nimbus", "Exception", "com.");

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

  /** A valid token of the kind the entry point takes: an access token, or a subscription token. */
  private static Tokens valid(EntryPoint entry) {
    Tokens token = Tokens.forUser("alice").audience(AUDIENCE);
    return entry.subscription
        ? token.claim("channel", EntryPoint.SUBSCRIBED)
        : token.groups("publisher").subscribe("jobs.*");
  }

  private static String good() {
    return Tokens.forUser("alice").audience(AUDIENCE).groups("publisher").subscribe("jobs.*").sign();
  }

  /** The attacks, by name, each refused with the code given. */
  private static Map<String, Supplier<String>> attacks(EntryPoint entry) {
    Map<String, Supplier<String>> attacks = new LinkedHashMap<>();
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    attacks.put(
        "alg none",
        () -> {
          String[] parts = valid(entry).sign().split("\\.");
          return b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
        });
    attacks.put(
        "HS256 keyed with the public key (HS/RS confusion)",
        () -> {
          try {
            JWTClaimsSet claims = SignedJWT.parse(valid(entry).sign()).getJWTClaimsSet();
            SignedJWT hs = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
            hs.sign(new MACSigner(TestKeys.TRUSTED.publicPem().getBytes(StandardCharsets.UTF_8)));
            return hs.serialize();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    attacks.put("RS512, not the configured RS256", () -> valid(entry).signedWith(JWSAlgorithm.RS512).sign());
    attacks.put("expired", () -> valid(entry).expiresAt(Instant.now().minusSeconds(3600)).sign());
    attacks.put("not yet valid (nbf)", () -> valid(entry).notBefore(Instant.now().plusSeconds(3600)).sign());
    attacks.put("wrong issuer", () -> valid(entry).issuer("https://evil.example/").sign());
    attacks.put("wrong audience", () -> valid(entry).audience("someone-else").sign());
    attacks.put(
        "tampered payload",
        () -> {
          String[] parts = valid(entry).sign().split("\\.");
          String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8).replace("\"alice\"", "\"admin\"");
          return parts[0] + "." + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        });
    attacks.put("missing sub", () -> (entry.subscription ? Tokens.forUser(null).claim("channel", EntryPoint.SUBSCRIBED) : Tokens.forUser(null).subscribe("jobs.*")).audience(AUDIENCE).sign());
    attacks.put("missing exp", () -> valid(entry).withoutExpiry().sign());
    attacks.put("signed by an unknown key", () -> valid(entry).signedBy(TestKeys.ATTACKER).sign());
    attacks.put("not a JWT at all", () -> "not-a-token");
    return attacks;
  }

  static Stream<Arguments> everyAttackOnEveryEntryPoint() {
    return Stream.of(EntryPoint.values())
        .flatMap(entry -> attacks(entry).entrySet().stream().map(a -> Arguments.of(entry, a.getKey(), a.getValue())));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("everyAttackOnEveryEntryPoint")
  void everyAttackIsRefusedAsAnInvalidTokenInHeraldsOwnWords(EntryPoint entry, String attack, Supplier<String> token)
      throws Exception {
    EntryPoint.Verdict verdict = entry.present(server, token.get(), good());
    assertFalse(verdict.accepted(), attack + " must be refused on " + entry);
    assertEquals("INVALID_TOKEN", verdict.code(), attack + " on " + entry + ": " + verdict.message());
    for (String word : LIBRARY_WORDS) {
      assertFalse(verdict.message().contains(word), "no library text reaches the client: " + verdict.message());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("entryPoints")
  void theControlTokenIsAcceptedEverywhere(EntryPoint entry) throws Exception {
    assertTrue(entry.present(server, valid(entry).sign(), good()).accepted(), entry.toString());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("entryPoints")
  void aTokenOfTheOtherKindIsRefused(EntryPoint entry) throws Exception {
    // a subscription token where an access token is expected, and the other way round
    String other =
        entry.subscription
            ? Tokens.forUser("alice").audience(AUDIENCE).subscribe("jobs.*").sign()
            : Tokens.forUser("alice").audience(AUDIENCE).groups("publisher").subscribe("jobs.*").claim("channel", "jobs.1").sign();
    EntryPoint.Verdict verdict = entry.present(server, other, good());
    assertFalse(verdict.accepted(), entry.toString());
    assertEquals(entry.subscription ? "PERMISSION_DENIED" : "INVALID_TOKEN", verdict.code(), verdict.message());
  }

  static Stream<EntryPoint> entryPoints() {
    return Stream.of(EntryPoint.values());
  }

  @Test
  void anAccessTokenInTheUrlIsTakenOnlyWhereABrowserCannotSendAHeaderAndNothingIsCached() {
    String token = good();
    Server.Reply publish =
        Server.send(
            java.net.http.HttpRequest.newBuilder(server.uri("api/channels/jobs.1/events?access_token=" + token))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"event\":\"x\"}")));
    assertEquals(401, publish.status(), "the publish API takes the header only");
    assertEquals("NOT_AUTHENTICATED", publish.code());
    assertTrue(publish.header("Cache-Control").contains("no-store"), "a URL with a token is never cached");

    Server.Reply refused = server.get("api/realtime/poll?channel=jobs.1&timeout=0&access_token=" + token.substring(1));
    assertEquals(401, refused.status());
    assertTrue(refused.header("Cache-Control").contains("no-store"), "not even an error");
    Server.Reply denied = server.get("api/realtime/poll?channel=user.bob&timeout=0&access_token=" + token);
    assertEquals(403, denied.status());
    assertTrue(denied.header("Cache-Control").contains("no-store"));
    Server.Reply ok = server.get("api/realtime/poll?channel=jobs.1&timeout=0&access_token=" + token);
    assertEquals(200, ok.status());
    assertTrue(ok.header("Cache-Control").contains("no-store"));
  }

  @Test
  void theWebSocketHandshakeWithATokenInTheUrlIsNotCachedEither() throws Exception {
    try (java.net.Socket socket = new java.net.Socket("localhost", server.port())) {
      socket.setSoTimeout(10_000);
      String request =
          "GET " + server.path() + "ws?access_token=" + good() + " HTTP/1.1\r\n"
              + "Host: localhost:" + server.port() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
              + "Sec-WebSocket-Protocol: herald.v1\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      java.io.BufferedReader head =
          new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      List<String> lines = new java.util.ArrayList<>();
      for (String line = head.readLine(); line != null && !line.isEmpty(); line = head.readLine()) {
        lines.add(line.toLowerCase(java.util.Locale.ROOT));
      }
      assertTrue(lines.get(0).contains(" 101 "), lines.toString());
      assertTrue(lines.stream().anyMatch(l -> l.startsWith("cache-control:") && l.contains("no-store")), lines.toString());
    }
  }
}
