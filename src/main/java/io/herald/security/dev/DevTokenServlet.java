package io.herald.security.dev;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.herald.api.ErrorBody;
import io.herald.api.ErrorCode;
import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.Config;

/**
 * {@code GET /dev/token?sub=alice&groups=publisher&tenant=acme&subscribe=jobs.*&publish=&ttl=3600}:
 * mints a token signed by the dev key, as plain text; with {@code channel=docs.7}, a subscription
 * token for that channel. Exists only in dev mode with no real key configured; 404 otherwise.
 */
@WebServlet("/dev/token")
public class DevTokenServlet extends HttpServlet {
  private static final long MAX_TTL_SECONDS = 86_400;

  @Inject Config config;

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    if (!DevMode.enabled() || DevMode.keyConfigured()) {
      fail(response, ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND.defaultMessage());
      return;
    }
    String sub = request.getParameter("sub");
    if (sub == null || sub.isBlank()) {
      fail(response, ErrorCode.INVALID_REQUEST, "The sub parameter is required.");
      return;
    }
    long ttl;
    try {
      ttl = Long.parseLong(valueOr(request.getParameter("ttl"), "3600"));
    } catch (NumberFormatException e) {
      ttl = -1;
    }
    if (ttl <= 0 || ttl > MAX_TTL_SECONDS) {
      fail(response, ErrorCode.INVALID_REQUEST, "ttl must be 1.." + MAX_TTL_SECONDS + " seconds.");
      return;
    }
    Instant now = Instant.now();
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(config.getOptionalValue("mp.jwt.verify.issuer", String.class).orElse(DevMode.ISSUER))
            .subject(sub)
            .claim("upn", sub)
            .claim("groups", list(request.getParameter("groups")))
            .jwtID(UUID.randomUUID().toString())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plusSeconds(ttl)));
    config.getOptionalValues("mp.jwt.verify.audiences", String.class).ifPresent(claims::audience);
    String subscribe = request.getParameter("subscribe");
    if (subscribe != null) {
      claims.claim(
          config.getOptionalValue("herald.security.subscribe-claim", String.class).orElse("herald_subscribe"),
          list(subscribe));
    }
    String publish = request.getParameter("publish");
    if (publish != null) {
      claims.claim(
          config.getOptionalValue("herald.security.publish-claim", String.class).orElse("herald_publish"),
          list(publish));
    }
    String channel = request.getParameter("channel");
    if (channel != null && !channel.isBlank()) {
      claims.claim("channel", channel);
    }
    String name = request.getParameter("name");
    if (name != null && !name.isBlank()) {
      // presence shows it (herald.security.name-claim)
      claims.claim(config.getOptionalValue("herald.security.name-claim", String.class).orElse("name"), name);
    }
    String tenant = request.getParameter("tenant");
    if (tenant != null && !tenant.isBlank()) {
      String claim = config.getOptionalValue("herald.security.tenant-claim", String.class).orElse("tenant");
      claims.claim(claim, tenant);
    }
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS256).type(com.nimbusds.jose.JOSEObjectType.JWT).build(),
              claims.build());
      jwt.sign(new RSASSASigner(DevMode.privateKey()));
      response.setContentType("text/plain;charset=UTF-8");
      response.setHeader("Cache-Control", "no-store");
      response.getWriter().println(jwt.serialize());
    } catch (JOSEException e) {
      throw new IOException(e);
    }
  }

  private static List<String> list(String csv) {
    if (csv == null || csv.isBlank()) {
      return List.of();
    }
    return Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static String valueOr(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }

  private static void fail(HttpServletResponse response, ErrorCode code, String message)
      throws IOException {
    ErrorBody.write(response, code, message);
  }
}
