package io.herald.security;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.util.Base64;

/**
 * Turns {@code mp.jwt.verify.publickey} / {@code .location} into a key source, accepting the
 * forms MP-JWT accepts: PEM, JWK, JWKS (plain or base64url), from a value, a file, the classpath,
 * or an HTTP(S) JWKS endpoint (cached, refetched on an unknown {@code kid} for key rotation).
 */
final class KeySources {
  private KeySources() {}

  static JWKSource<SecurityContext> from(JwtSettings settings) {
    if (settings.publicKey().isPresent()) {
      return new ImmutableJWKSet<>(parse(settings.publicKey().get()));
    }
    String location = settings.publicKeyLocation().orElseThrow();
    try {
      if (location.startsWith("http://") || location.startsWith("https://")) {
        // A key set is kept for herald.security.jwks-cache-ms, and fetched again at once for a key
        // id it does not hold (rotation), at most twice per interval (a flood of made-up key ids
        // must not become a flood on the identity provider). Fetches time out after 500 ms.
        long ttl = settings.jwksCacheMillis();
        return JWKSourceBuilder.create(URI.create(location).toURL())
            .cache(ttl, Math.min(JWKSourceBuilder.DEFAULT_CACHE_REFRESH_TIMEOUT, ttl / 2))
            .refreshAheadCache(false) // no thread of the library's own: the request that finds it stale refetches
            .rateLimited(Math.min(JWKSourceBuilder.DEFAULT_RATE_LIMIT_MIN_INTERVAL, ttl / 2))
            .retrying(true)
            // a failed or rate-limited fetch falls back to the set fetched last, for one more period
            .outageTolerant(ttl)
            .build();
      }
      return new ImmutableJWKSet<>(parse(read(location)));
    } catch (IOException e) {
      throw new IllegalStateException("Cannot read the JWT key from " + location, e);
    }
  }

  private static String read(String location) throws IOException {
    if (location.startsWith("file:")) {
      return Files.readString(Path.of(URI.create(location)));
    }
    Path path = Path.of(location);
    if (Files.exists(path)) {
      return Files.readString(path);
    }
    String resource = location.startsWith("classpath:") ? location.substring(10) : location;
    URL url = Thread.currentThread().getContextClassLoader().getResource(resource.replaceFirst("^/", ""));
    if (url == null) {
      throw new IOException("no file or classpath resource " + location);
    }
    try (InputStream in = url.openStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static JWKSet parse(String text) {
    String value = text.strip();
    try {
      if (value.startsWith("-----BEGIN")) {
        return new JWKSet(fromDer(pemBody(value)));
      }
      if (value.startsWith("{")) {
        return json(value);
      }
      byte[] decoded = decodeBase64(value);
      String asText = new String(decoded, StandardCharsets.UTF_8).strip();
      return asText.startsWith("{") ? json(asText) : new JWKSet(fromDer(decoded));
    } catch (ParseException | IllegalArgumentException e) {
      throw new IllegalStateException("The configured JWT public key cannot be parsed: " + e.getMessage(), e);
    }
  }

  private static JWKSet json(String value) throws ParseException {
    return value.contains("\"keys\"") ? JWKSet.parse(value) : new JWKSet(JWK.parse(value));
  }

  private static byte[] pemBody(String pem) {
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(body);
  }

  private static byte[] decodeBase64(String value) {
    String compact = value.replaceAll("\\s", "");
    return compact.contains("-") || compact.contains("_")
        ? Base64.getUrlDecoder().decode(compact)
        : Base64.getDecoder().decode(compact);
  }

  private static JWK fromDer(byte[] der) {
    for (String family : new String[] {"RSA", "EC"}) {
      try {
        PublicKey key = KeyFactory.getInstance(family).generatePublic(new X509EncodedKeySpec(der));
        if (key instanceof RSAPublicKey rsa) {
          return new RSAKey.Builder(rsa).build();
        }
        ECPublicKey ec = (ECPublicKey) key;
        return new ECKey.Builder(Curve.forECParameterSpec(ec.getParams()), ec).build();
      } catch (java.security.GeneralSecurityException e) {
        // try the next key family
      }
    }
    throw new IllegalArgumentException("not an RSA or EC public key");
  }
}
