package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import io.herald.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The key forms MP-JWT accepts are accepted by Herald's own verifier too. */
class KeySourcesTest {
  private final String pem = TestKeys.TRUSTED.publicPem();
  private final RSAKey expected = (RSAKey) KeySources.parse(pem).getKeys().get(0);

  @Test
  void pem() {
    assertEquals(expected.getModulus(), ((RSAKey) KeySources.parse(pem).getKeys().get(0)).getModulus());
  }

  @Test
  void bareBase64Der() {
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    assertEquals(expected.getModulus(), ((RSAKey) KeySources.parse(body).getKeys().get(0)).getModulus());
  }

  @Test
  void jwkAndJwksPlainAndBase64Url() {
    String jwk = expected.toJSONString();
    String jwks = new JWKSet(expected).toString();
    for (String form :
        new String[] {
          jwk,
          jwks,
          Base64.getUrlEncoder().withoutPadding().encodeToString(jwk.getBytes(StandardCharsets.UTF_8)),
          Base64.getUrlEncoder().withoutPadding().encodeToString(jwks.getBytes(StandardCharsets.UTF_8))
        }) {
      assertEquals(expected.getModulus(), ((RSAKey) KeySources.parse(form).getKeys().get(0)).getModulus(), form);
    }
  }

  @Test
  void garbageIsAClearStartupError() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> KeySources.parse("not a key"));
    assertEquals(true, e.getMessage().contains("cannot be parsed"));
  }
}
