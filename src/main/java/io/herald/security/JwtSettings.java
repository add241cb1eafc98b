package io.herald.security;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;

/**
 * The standard MicroProfile JWT properties ({@code mp.jwt.verify.*}), which configure Herald's one
 * token verifier ({@link TokenVerifier}), plus Herald's claim names.
 */
public record JwtSettings(
    Optional<String> publicKey,
    Optional<String> publicKeyLocation,
    String algorithm,
    Optional<String> issuer,
    List<String> audiences,
    Duration clockSkew,
    Optional<Duration> tokenAge,
    String tenantClaim,
    Optional<String> defaultTenant,
    String subscribeClaim,
    String publishClaim,
    String nameClaim,
    String avatarClaim,
    long jwksCacheMillis,
    int tokenCacheSize) {

  public static JwtSettings from(Config config) {
    return new JwtSettings(
        config.getOptionalValue("mp.jwt.verify.publickey", String.class),
        config.getOptionalValue("mp.jwt.verify.publickey.location", String.class),
        config.getOptionalValue("mp.jwt.verify.publickey.algorithm", String.class).orElse("RS256"),
        config.getOptionalValue("mp.jwt.verify.issuer", String.class),
        config.getOptionalValues("mp.jwt.verify.audiences", String.class).orElse(List.of()),
        Duration.ofSeconds(
            config.getOptionalValue("mp.jwt.verify.clock.skew", Integer.class).orElse(60)),
        config.getOptionalValue("mp.jwt.verify.token.age", Long.class).map(Duration::ofSeconds),
        config.getOptionalValue("herald.security.tenant-claim", String.class).orElse("tenant"),
        config.getOptionalValue("herald.security.default-tenant", String.class).filter(t -> !t.isBlank()),
        config.getOptionalValue("herald.security.subscribe-claim", String.class).orElse("herald_subscribe"),
        config.getOptionalValue("herald.security.publish-claim", String.class).orElse("herald_publish"),
        config.getOptionalValue("herald.security.name-claim", String.class).orElse("name"),
        config.getOptionalValue("herald.security.avatar-claim", String.class).orElse("picture"),
        config.getOptionalValue("herald.security.jwks-cache-ms", Long.class).orElse(300_000L),
        config.getOptionalValue("herald.security.token-cache-size", Integer.class).orElse(10_000));
  }

  /** Keys read from an HTTP(S) JWKS endpoint: they can be withdrawn while Herald runs. */
  public boolean keysFetched() {
    return publicKey.isEmpty()
        && publicKeyLocation.map(l -> l.startsWith("http://") || l.startsWith("https://")).orElse(false);
  }

  public boolean hasKey() {
    return publicKey.isPresent() || publicKeyLocation.isPresent();
  }
}
