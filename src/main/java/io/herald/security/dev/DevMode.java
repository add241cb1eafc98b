package io.herald.security.dev;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;

/**
 * Dev mode ({@code herald.dev-mode} / {@code HERALD_DEV_MODE}): a key pair made at start, trusted
 * for verification and used by {@code /dev/token}. Read from system properties and the
 * environment directly, because the config source that publishes the key cannot ask Config.
 */
public final class DevMode {
  public static final String ISSUER = "herald-dev";

  private static volatile KeyPair keys;

  private DevMode() {}

  public static boolean enabled() {
    return Boolean.parseBoolean(setting("herald.dev-mode", "HERALD_DEV_MODE"));
  }

  /** Dev mode and no real key: the dev key signs and verifies, {@code /dev/token} mints. */
  public static boolean active() {
    return enabled() && !keyConfigured();
  }

  /** Whether an operator configured a real key, which always wins over the dev key. */
  static boolean keyConfigured() {
    return setting("mp.jwt.verify.publickey", "MP_JWT_VERIFY_PUBLICKEY") != null
        || setting("mp.jwt.verify.publickey.location", "MP_JWT_VERIFY_PUBLICKEY_LOCATION") != null;
  }

  static boolean issuerConfigured() {
    return setting("mp.jwt.verify.issuer", "MP_JWT_VERIFY_ISSUER") != null;
  }

  static String setting(String property, String env) {
    String value = System.getProperty(property);
    return value != null ? value : System.getenv(env);
  }

  static KeyPair keys() {
    KeyPair k = keys;
    if (k == null) {
      synchronized (DevMode.class) {
        if (keys == null) {
          try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            keys = generator.generateKeyPair();
          } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
          }
        }
        k = keys;
      }
    }
    return k;
  }

  static RSAPrivateKey privateKey() {
    return (RSAPrivateKey) keys().getPrivate();
  }

  static String publicKeyPem() {
    RSAPublicKey key = (RSAPublicKey) keys().getPublic();
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }
}
