package io.herald.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
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
import java.util.Date;
import java.util.HashSet;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.Config;

/**
 * The one verifier of every token, whichever way it comes in: the {@code Authorization} header,
 * the {@code access_token} query parameter, the WebSocket subprotocol, a WebSocket refresh, and
 * subscription tokens. nimbus-jose-jwt, configured by the standard {@code mp.jwt.verify.*}
 * properties: the same keys, the one algorithm, the same issuer, audience, clock skew and token
 * age everywhere. Never accepts {@code alg: none}.
 *
 * <p>Payara's own MP-JWT is not used for the header: its checks differ from these (it ignores the
 * configured algorithm and {@code nbf}, uses no clock skew unless told, insists on {@code typ},
 * {@code iat} and {@code jti}, never refetches a JWKS for an unknown key id, and fetches it on the
 * request thread without a timeout), so one token could pass one entry point and fail another
 * (docs/security.md, "One verifier").
 */
@ApplicationScoped
public class TokenVerifier {
  private static final Logger LOG = Logger.getLogger(TokenVerifier.class.getName());
  /** The claim that makes a token a subscription token, for exactly one channel. */
  public static final String CHANNEL_CLAIM = "channel";
  /** Longer names and picture addresses are left out of member lists (docs/security.md). */
  static final int MAX_NAME = 200;

  static final int MAX_AVATAR = 2048;

  @Inject Config config;
  @Inject org.eclipse.microprofile.metrics.MetricRegistry metrics;

  private JwtSettings settings;
  private DefaultJWTProcessor<SecurityContext> processor;
  private VerifiedTokens verified;
  private org.eclipse.microprofile.metrics.Counter fromCache;
  private org.eclipse.microprofile.metrics.Counter checked;

  @PostConstruct
  void init() {
    settings = JwtSettings.from(config);
    verified =
        new VerifiedTokens(
            settings.tokenCacheSize(),
            settings.clockSkew(),
            settings.tokenAge(),
            settings.keysFetched() ? settings.jwksCacheMillis() : Long.MAX_VALUE);
    metrics.gauge("herald.token.cache.entries", verified, VerifiedTokens::size);
    fromCache = metrics.counter("herald.tokens.verified", new org.eclipse.microprofile.metrics.Tag("result", "cached"));
    checked = metrics.counter("herald.tokens.verified", new org.eclipse.microprofile.metrics.Tag("result", "checked"));
    if (!settings.hasKey()) {
      return; // StartupCheck refuses to start in this case; nothing to verify with.
    }
    processor = new DefaultJWTProcessor<>();
    processor.setJWSKeySelector(
        new JWSVerificationKeySelector<>(JWSAlgorithm.parse(settings.algorithm()), KeySources.from(settings)));
    JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
    settings.issuer().ifPresent(exact::issuer);
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            settings.audiences().isEmpty() ? null : new HashSet<>(settings.audiences()),
            exact.build(),
            Set.of("sub", "exp"),
            null) {
          @Override
          public void verify(JWTClaimsSet claimsSet, SecurityContext context) throws BadJWTException {
            super.verify(claimsSet, context);
            checkAge(claimsSet);
          }
        };
    claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
    processor.setJWTClaimsSetVerifier(claims);
  }

  /** Made at start, so its metrics are there before the first token (KnownSeries says why). */
  void eager(@jakarta.enterprise.event.Observes @jakarta.enterprise.context.Initialized(ApplicationScoped.class) Object started) {
    // nothing: being called makes the bean
  }

  /** {@code mp.jwt.verify.token.age}: a token issued longer ago than that is refused. */
  private void checkAge(JWTClaimsSet claims) throws BadJWTException {
    if (settings.tokenAge().isEmpty()) {
      return;
    }
    Date issued = claims.getIssueTime();
    if (issued == null
        || issued.toInstant().plus(settings.tokenAge().get()).plus(settings.clockSkew()).isBefore(Instant.now())) {
      throw new BadJWTException("token too old");
    }
  }

  /**
   * Verifies an access token; throws {@code INVALID_TOKEN} with the reason otherwise. A
   * subscription token is not an access token: it opens one channel, never a connection.
   */
  public Caller verify(String token) {
    JWTClaimsSet claims = claims(token);
    if (claims.getClaim(CHANNEL_CLAIM) != null) {
      throw new HeraldException(
          ErrorCode.INVALID_TOKEN, "This is a subscription token (it names a channel); an access token is needed here.");
    }
    return new Caller(
        claims.getSubject(),
        strings(claims.getClaim("groups")),
        tenant(claims.getClaim(settings.tenantClaim())),
        claims.getExpirationTime().toInstant(),
        strings(claims.getClaim(settings.subscribeClaim())),
        strings(claims.getClaim(settings.publishClaim())),
        profile(claims.getClaim(settings.nameClaim()), MAX_NAME),
        profile(claims.getClaim(settings.avatarClaim()), MAX_AVATAR));
  }

  /** A name or picture address from the token: a string of sensible length, else nothing (never an error). */
  private static String profile(Object claim, int max) {
    if (claim instanceof String s && !s.isBlank() && s.length() <= max && io.herald.api.Unicode.wellFormed(s)) {
      return s;
    }
    return null;
  }

  /**
   * Verifies a subscription token (issued by the application's backend for one channel and one
   * user): same keys and rules as any token, plus a {@code channel} claim naming exactly this
   * channel and a {@code sub} naming this caller, in this caller's tenant.
   *
   * @return when the token expires: the subscription it opens ends then
   */
  public Instant verifySubscription(String token, Caller caller, String channel) {
    JWTClaimsSet claims = claims(token);
    if (!channel.equals(claims.getClaim(CHANNEL_CLAIM))) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "The subscription token is for another channel.");
    }
    if (!caller.subject().equals(claims.getSubject())) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "The subscription token is for another user.");
    }
    if (!caller.tenant().equals(tenant(claims.getClaim(settings.tenantClaim())))) {
      throw new HeraldException(ErrorCode.PERMISSION_DENIED, "The subscription token is for another tenant.");
    }
    return claims.getExpirationTime().toInstant();
  }

  private JWTClaimsSet claims(String token) {
    if (processor == null) {
      throw new HeraldException(ErrorCode.INVALID_TOKEN, "No verification key is configured.");
    }
    long now = System.currentTimeMillis();
    JWTClaimsSet known = verified.get(token, now);
    if (known != null) {
      fromCache.inc();
      return known;
    }
    try {
      JWTClaimsSet claims = processor.process(token, null);
      checked.inc();
      verified.put(token, claims, now);
      return claims;
    } catch (ParseException e) {
      throw new HeraldException(ErrorCode.INVALID_TOKEN, "The token is not a JWT.");
    } catch (com.nimbusds.jose.jwk.source.RateLimitReachedException e) {
      // the set was fetched a moment ago, and the key the token names was not in it
      throw new HeraldException(ErrorCode.INVALID_TOKEN, RejectionReason.of(token, settings, Instant.now()));
    } catch (com.nimbusds.jose.KeySourceException e) {
      // the key set could not be fetched: not the token's fault, so not a 401
      String id = io.herald.api.Incident.log(LOG, Level.WARNING, "The JWT keys could not be fetched", e);
      throw new HeraldException(
          ErrorCode.UNAVAILABLE, "The keys to verify tokens cannot be fetched right now; retry (correlationId " + id + ").");
    } catch (BadJOSEException | JOSEException | RuntimeException e) {
      // the library's own words name its internals: the client gets Herald's (RejectionReason)
      LOG.log(Level.FINE, "Token rejected", e);
      throw new HeraldException(ErrorCode.INVALID_TOKEN, RejectionReason.of(token, settings, Instant.now()));
    }
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
