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
import java.text.ParseException;
import java.util.HashSet;
import java.util.List;
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
    if (processor == null) {
      throw new HeraldException(ErrorCode.INVALID_TOKEN, "No verification key is configured.");
    }
    try {
      JWTClaimsSet claims = processor.process(token, null);
      return new Caller(
          claims.getSubject(),
          groups(claims),
          claims.getClaim(settings.tenantClaim()) instanceof String t ? t : null,
          claims.getExpirationTime().toInstant());
    } catch (ParseException e) {
      throw new HeraldException(ErrorCode.INVALID_TOKEN, "The token is not a JWT.");
    } catch (com.nimbusds.jose.proc.BadJOSEException | com.nimbusds.jose.JOSEException e) {
      LOG.log(Level.FINE, "Token rejected", e);
      throw new HeraldException(ErrorCode.INVALID_TOKEN, "The token was rejected: " + e.getMessage());
    }
  }

  /** Adapts a token MP-JWT has already verified. */
  public Caller from(JsonWebToken jwt) {
    if (jwt.getSubject() == null) {
      throw new HeraldException(ErrorCode.INVALID_TOKEN, "The token has no sub claim.");
    }
    Object tenant = jwt.getClaim(settings.tenantClaim());
    return new Caller(
        jwt.getSubject(),
        jwt.getGroups() == null ? Set.of() : jwt.getGroups(),
        tenant == null ? null : tenant.toString().replaceAll("^\"|\"$", ""),
        java.time.Instant.ofEpochSecond(jwt.getExpirationTime()));
  }

  private static Set<String> groups(JWTClaimsSet claims) throws ParseException {
    List<String> list = claims.getStringListClaim("groups");
    return list == null ? Set.of() : Set.copyOf(list);
  }
}
