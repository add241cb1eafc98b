package io.herald.security;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonString;
import java.text.ParseException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Verifies tokens that MP-JWT cannot see (the {@code access_token} query parameter, the WebSocket
 * subprotocol) with nimbus-jose-jwt, configured by the same {@code mp.jwt.verify.*} properties:
 * same keys, same algorithm, same issuer and audience checks. Never accepts {@code alg: none}.
 */
@ApplicationScoped
public class TokenVerifier {
  private static final Logger LOG = Logger.getLogger(TokenVerifier.class.getName());

  @Inject Config config;

  private JwtSettings settings;
  private DefaultJWTProcessor<SecurityContext> processor;

  @PostConstruct
  void init() {
    settings = JwtSettings.from(config);
    if (!settings.hasKey()) {
      return; // StartupCheck refuses to start in this case; nothing to verify with.
    }
    processor = new DefaultJWTProcessor<>();
    processor.setJWSKeySelector(
        new JWSVerificationKeySelector<>(
            JWSAlgorithm.parse(settings.algorithm()), KeySources.from(settings)));
    JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
    settings.issuer().ifPresent(exact::issuer);
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            settings.audiences().isEmpty() ? null : new HashSet<>(settings.audiences()),
            exact.build(),
            Set.of("sub", "exp"),
            null);
    claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
    processor.setJWTClaimsSetVerifier(claims);
  }

  /** Verifies a compact JWT; throws {@code INVALID_TOKEN} with the reason otherwise. */
  public Caller verify(String token) {
    JWTClaimsSet claims = claims(token);
    return caller(
        claims.getSubject(),
        strings(claims.getClaim("groups")),
        claims.getClaim(settings.tenantClaim()),
        claims.getExpirationTime().toInstant(),
        claims.getClaim(settings.subscribeClaim()),
        claims.getClaim(settings.publishClaim()));
  }

  /** Adapts a token MP-JWT has already verified, under the same rules as {@link #verify}. */
  public Caller from(JsonWebToken jwt) {
    if (jwt.getSubject() == null) {
      throw new HeraldException(ErrorCode.INVALID_TOKEN, "The token has no sub claim.");
    }
    // The same not-before rule as the nimbus path, whether or not the container checked it.
    if (jwt.getClaim("nbf") instanceof Number nbf
        && Instant.ofEpochSecond(nbf.longValue()).isAfter(Instant.now().plus(settings.clockSkew()))) {
      throw new HeraldException(ErrorCode.INVALID_TOKEN, "The token is not valid yet (nbf).");
    }
    return caller(
        jwt.getSubject(),
        jwt.getGroups() == null ? Set.of() : jwt.getGroups(),
        jwt.getClaim(settings.tenantClaim()),
        Instant.ofEpochSecond(jwt.getExpirationTime()),
        jwt.getClaim(settings.subscribeClaim()),
        jwt.getClaim(settings.publishClaim()));
  }

  /**
   * Verifies a subscription token (issued by the application's backend for one channel and one
   * user): same keys and rules as any token, plus a {@code channel} claim naming exactly this
   * channel and a {@code sub} naming this caller, in this caller's tenant.
   */
  public void verifySubscription(String token, Caller caller, String channel) {
    JWTClaimsSet claims = claims(token);
    if (!channel.equals(claims.getClaim("channel"))) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "The subscription token is for another channel.");
    }
    if (!caller.subject().equals(claims.getSubject())) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "The subscription token is for another user.");
    }
    if (!caller.tenant().equals(tenant(claims.getClaim(settings.tenantClaim())))) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "The subscription token is for another tenant.");
    }
  }

  private JWTClaimsSet claims(String token) {
    if (processor == null) {
      throw new HeraldException(ErrorCode.INVALID_TOKEN, "No verification key is configured.");
    }
    try {
      return processor.process(token, null);
    } catch (ParseException e) {
      throw new HeraldException(ErrorCode.INVALID_TOKEN, "The token is not a JWT.");
    } catch (com.nimbusds.jose.proc.BadJOSEException | com.nimbusds.jose.JOSEException e) {
      LOG.log(Level.FINE, "Token rejected", e);
      throw new HeraldException(ErrorCode.INVALID_TOKEN, RejectionReason.of(token, settings, Instant.now()));
    }
  }

  private Caller caller(
      String subject, Set<String> groups, Object tenantClaim, Instant expiresAt, Object subscribe, Object publish) {
    return new Caller(subject, groups, tenant(tenantClaim), expiresAt, strings(subscribe), strings(publish));
  }

  /** The token's tenant, or the configured default; a token with neither is refused. */
  private String tenant(Object claim) {
    Set<String> values = strings(claim);
    if (values.size() == 1) {
      return values.iterator().next();
    }
    return settings
        .defaultTenant()
        .orElseThrow(
            () -> new HeraldException(ErrorCode.INVALID_TOKEN, "The token names no tenant (claim '" + settings.tenantClaim() + "')."));
  }

  /** A claim as strings, whichever JSON/Java form the library hands it over in. */
  static Set<String> strings(Object claim) {
    if (claim == null) {
      return Set.of();
    }
    if (claim instanceof JsonString s) {
      return Set.of(s.getString());
    }
    if (claim instanceof JsonArray array) {
      Set<String> values = new HashSet<>();
      array.forEach(v -> values.add(v instanceof JsonString s ? s.getString() : v.toString()));
      return values;
    }
    if (claim instanceof Collection<?> collection) {
      Set<String> values = new HashSet<>();
      collection.forEach(v -> values.add(v instanceof JsonString s ? s.getString() : String.valueOf(v)));
      return values;
    }
    return Set.of(claim.toString());
  }
}
