package io.herald.security;

import com.nimbusds.jwt.JWTClaimsSet;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens whose signature and claims were checked a moment ago, by the SHA-256 of their text, so a
 * client that reconnects, or a backend that publishes with one token all day, is not verified
 * again each time (an RSA check, parsing and the claims' rules: ~0.3 ms of CPU per token here,
 * the largest part of a warm connect; docs/performance.md).
 *
 * <p>An entry is good only while the verifier itself would still accept the token: until its
 * {@code exp} (plus the clock skew), until it is older than {@code mp.jwt.verify.token.age}, and,
 * with keys from a JWKS endpoint, no longer than the key set is cached
 * ({@code herald.security.jwks-cache-ms}): a withdrawn key stops working as soon as it would have
 * without this cache. Only accepted tokens are kept; a refused one is checked every time. The
 * cache holds at most {@code herald.security.token-cache-size} entries: when full, expired ones
 * are dropped, and if none are, new tokens are verified every time until some expire (nothing is
 * refused because of it).
 */
final class VerifiedTokens {
  private record Entry(JWTClaimsSet claims, long untilMillis) {}

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final int max;
  private final Duration skew;
  private final Optional<Duration> maxAge;
  /** How long a key may be trusted after it was last read (a JWKS set's cache time); else forever. */
  private final long keyTrustMillis;

  VerifiedTokens(int max, Duration skew, Optional<Duration> maxAge, long keyTrustMillis) {
    this.max = max;
    this.skew = skew;
    this.maxAge = maxAge;
    this.keyTrustMillis = keyTrustMillis;
  }

  /** The claims of a token accepted a moment ago and still good, or null. */
  JWTClaimsSet get(String token, long now) {
    if (max <= 0) {
      return null;
    }
    String key = digest(token);
    Entry entry = entries.get(key);
    if (entry == null) {
      return null;
    }
    if (now >= entry.untilMillis()) {
      entries.remove(key, entry);
      return null;
    }
    return entry.claims();
  }

  /** Keeps a token the verifier has just accepted. */
  void put(String token, JWTClaimsSet claims, long now) {
    if (max <= 0) {
      return;
    }
    long keyTrusted = keyTrustMillis == Long.MAX_VALUE ? Long.MAX_VALUE : now + keyTrustMillis;
    long until = Math.min(end(claims.getExpirationTime(), Duration.ZERO), keyTrusted);
    if (maxAge.isPresent()) {
      until = Math.min(until, end(claims.getIssueTime(), maxAge.get()));
    }
    if (until <= now) {
      return;
    }
    if (entries.size() >= max) {
      entries.values().removeIf(e -> now >= e.untilMillis());
      if (entries.size() >= max) {
        return;
      }
    }
    entries.put(digest(token), new Entry(claims, until));
  }

  int size() {
    return entries.size();
  }

  /** When a claim's time plus {@code plus} and the clock skew has passed; no time, no entry. */
  private long end(Date time, Duration plus) {
    return time == null ? Long.MIN_VALUE : time.getTime() + plus.toMillis() + skew.toMillis();
  }

  private static String digest(String token) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
