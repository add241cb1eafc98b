package io.herald.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/** The committed test key pairs (src/test/resources/keys): one trusted, one an attacker's. */
public enum TestKeys {
  TRUSTED("trusted"),
  ATTACKER("attacker");

  private final String name;

  TestKeys(String name) {
    this.name = name;
  }

  public String publicPem() {
    return read("keys/" + name + "-public.pem");
  }

  public RSAPrivateKey privateKey() {
    String pem = read("keys/" + name + "-private.pem");
    byte[] der =
        Base64.getDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    try {
      return (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String read(String resource) {
    try (InputStream in = TestKeys.class.getClassLoader().getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("missing test resource " + resource, e);
    }
  }
}
