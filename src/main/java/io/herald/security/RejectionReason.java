package io.herald.security;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jwt.JWTClaimsSet;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * Says in Herald's own words why a token was refused, for the client (the verifying library's
 * messages name its internals). Reads the token's claims without trusting them: they are the
 * client's own, and only select which of the documented reasons to give.
 */
final class RejectionReason {
  private RejectionReason() {}

  static String of(String token, JwtSettings settings, Instant now) {
    JWSObject jws;
    JWTClaimsSet claims;
    try {
      jws = JWSObject.parse(token);
      claims = JWTClaimsSet.parse(jws.getPayload().toJSONObject());
    } catch (ParseException | RuntimeException e) {
      return "The token is not a signed JWT.";
    }
    Algorithm alg = jws.getHeader().getAlgorithm();
    if (alg == null || !settings.algorithm().equals(alg.getName())) {
      return "The token is signed with " + (alg == null ? "nothing" : alg.getName()) + "; only "
          + settings.algorithm() + " is accepted.";
    }
    if (claims.getSubject() == null) {
      return "The token has no sub claim.";
    }
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      return "The token has no exp claim.";
    }
    long skew = settings.clockSkew().toMillis();
    if (exp.toInstant().toEpochMilli() + skew < now.toEpochMilli()) {
      return "The token has expired.";
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && nbf.toInstant().toEpochMilli() - skew > now.toEpochMilli()) {
      return "The token is not valid yet (nbf).";
    }
    if (settings.issuer().isPresent() && !settings.issuer().get().equals(claims.getIssuer())) {
      return "The token's issuer is not trusted.";
    }
    if (settings.tokenAge().isPresent()
        && (claims.getIssueTime() == null
            || claims.getIssueTime().toInstant().plus(settings.tokenAge().get()).plusMillis(skew).isBefore(now))) {
      return "The token was issued too long ago (mp.jwt.verify.token.age), or has no iat claim.";
    }
    List<String> audience = claims.getAudience();
    if (!settings.audiences().isEmpty() && (audience == null || audience.stream().noneMatch(settings.audiences()::contains))) {
      return "The token is not meant for this audience.";
    }
    return "The token's signature does not verify with a trusted key.";
  }
}
