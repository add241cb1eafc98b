package io.herald.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/** Mints real RS256 JWTs for tests. Defaults: trusted key, issuer {@value #ISSUER}, 1 h life. */
public final class Tokens {
  public static final String ISSUER = "herald-test";

  private final JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder();
  private TestKeys key = TestKeys.TRUSTED;
  private String keyId;
  private Instant expiresAt = Instant.now().plus(Duration.ofHours(1));
  private JWSAlgorithm algorithm = JWSAlgorithm.RS256;

  private Tokens(String subject) {
    claims.issuer(ISSUER).jwtID(UUID.randomUUID().toString()).issueTime(new Date());
    if (subject != null) {
      claims.subject(subject).claim("upn", subject);
    }
  }

  public static Tokens forUser(String subject) {
    return new Tokens(subject);
  }

  /** A token for a publisher-group user: the common case for the publish API. */
  public static String publisher(String subject) {
    return forUser(subject).groups("publisher").sign();
  }

  /**
   * A user whose token grants the {@code jobs} and {@code docs} namespaces (which need a grant by
   * default): the common client of transport tests.
   */
  public static String subscriber(String subject) {
    return forUser(subject).subscribe("jobs.*", "docs.*").sign();
  }

  /** The {@code herald_subscribe} grant: channel patterns the holder may subscribe to. */
  public Tokens subscribe(String... patterns) {
    claims.claim("herald_subscribe", List.of(patterns));
    return this;
  }

  /** The {@code herald_publish} grant: patterns the holder may publish into from a client. */
  public Tokens publishGrant(String... patterns) {
    claims.claim("herald_publish", List.of(patterns));
    return this;
  }

  /** Any other claim (a subscription token's {@code channel}, an odd tenant claim...). */
  public Tokens claim(String name, Object value) {
    claims.claim(name, value);
    return this;
  }

  public Tokens groups(String... groups) {
    claims.claim("groups", List.of(groups));
    return this;
  }

  public Tokens tenant(String tenant) {
    claims.claim("tenant", tenant);
    return this;
  }

  public Tokens issuer(String issuer) {
    claims.issuer(issuer);
    return this;
  }

  public Tokens audience(String audience) {
    claims.audience(audience);
    return this;
  }

  public Tokens notBefore(Instant when) {
    claims.notBeforeTime(Date.from(when));
    return this;
  }

  public Tokens expiresAt(Instant when) {
    expiresAt = when;
    return this;
  }

  /** Names the signing key in the header ({@code kid}), as identity providers with JWKS do. */
  public Tokens keyId(String kid) {
    this.keyId = kid;
    return this;
  }

  public Tokens signedBy(TestKeys key) {
    this.key = key;
    return this;
  }

  /** Another RSA algorithm than the configured RS256 (RS384, RS512, PS256...). */
  public Tokens signedWith(JWSAlgorithm algorithm) {
    this.algorithm = algorithm;
    return this;
  }

  /** A token without an {@code exp} claim. */
  public Tokens withoutExpiry() {
    this.expiresAt = null;
    return this;
  }

  public String sign() {
    claims.expirationTime(expiresAt == null ? null : Date.from(expiresAt));
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).keyID(keyId).build(), claims.build());
    try {
      jwt.sign(new RSASSASigner(key.privateKey()));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }
}
