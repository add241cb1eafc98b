package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Duration;
import java.util.Date;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A verified token is taken from the cache only while the verifier itself would still take it. */
class VerifiedTokensTest {
  private static final long NOW = 1_800_000_000_000L;
  private static final Duration SKEW = Duration.ofSeconds(60);

  private static JWTClaimsSet claims(long expiresAt, long issuedAt) {
    return new JWTClaimsSet.Builder().subject("alice").expirationTime(new Date(expiresAt)).issueTime(new Date(issuedAt)).build();
  }

  @Test
  void aTokenIsKeptUntilItsExpiryPlusTheClockSkew() {
    VerifiedTokens cache = new VerifiedTokens(10, SKEW, Optional.empty(), Long.MAX_VALUE);
    JWTClaimsSet claims = claims(NOW + 10_000, NOW);
    cache.put("token-a", claims, NOW);
    assertSame(claims, cache.get("token-a", NOW + 1));
    assertSame(claims, cache.get("token-a", NOW + 10_000 + SKEW.toMillis() - 1));
    assertNull(cache.get("token-a", NOW + 10_000 + SKEW.toMillis()), "past exp and the skew the verifier allows");
    assertEquals(0, cache.size(), "an expired entry found is dropped");
    assertNull(cache.get("token-b", NOW), "another token is not the same one");
  }

  @Test
  void aTokenIsKeptNoLongerThanItsAllowedAgeNorThanTheKeysAreTrusted() {
    VerifiedTokens aged = new VerifiedTokens(10, SKEW, Optional.of(Duration.ofSeconds(30)), Long.MAX_VALUE);
    aged.put("t", claims(NOW + 3_600_000, NOW), NOW);
    assertNull(aged.get("t", NOW + 30_000 + SKEW.toMillis()), "mp.jwt.verify.token.age");

    VerifiedTokens jwks = new VerifiedTokens(10, SKEW, Optional.empty(), 1_000);
    jwks.put("t", claims(NOW + 3_600_000, NOW), NOW);
    assertSame("alice", jwks.get("t", NOW + 999).getSubject());
    assertNull(jwks.get("t", NOW + 1_000), "checked again once the key set may have changed");
  }

  @Test
  void aFullCacheDropsExpiredEntriesAndOtherwiseKeepsNothingNew() {
    VerifiedTokens cache = new VerifiedTokens(2, Duration.ZERO, Optional.empty(), Long.MAX_VALUE);
    cache.put("short", claims(NOW + 1_000, NOW), NOW);
    cache.put("long", claims(NOW + 60_000, NOW), NOW);
    cache.put("third", claims(NOW + 60_000, NOW), NOW);
    assertEquals(2, cache.size());
    assertNull(cache.get("third", NOW), "full, and nothing had expired: not kept (verified every time)");
    cache.put("third", claims(NOW + 60_000, NOW), NOW + 1_000);
    assertEquals(2, cache.size(), "the expired entry made room");
    assertNull(cache.get("short", NOW + 1_000));
    assertSame("alice", cache.get("third", NOW + 1_000).getSubject());
  }

  @Test
  void sizeZeroKeepsNothing() {
    VerifiedTokens off = new VerifiedTokens(0, SKEW, Optional.empty(), Long.MAX_VALUE);
    off.put("t", claims(NOW + 60_000, NOW), NOW);
    assertNull(off.get("t", NOW));
    assertEquals(0, off.size());
  }
}
