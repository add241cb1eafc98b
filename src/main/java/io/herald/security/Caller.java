package io.herald.security;

import java.security.Principal;
import java.time.Instant;
import java.util.Set;

/**
 * The verified holder of a token, whichever way it arrived (header, query parameter, WebSocket
 * subprotocol).
 *
 * @param subject the {@code sub} claim: the user id every transport reports
 * @param groups the {@code groups} claim ({@code publisher}, {@code admin}, ...)
 * @param tenant the tenant claim (name configurable), or null
 * @param expiresAt the token's {@code exp}
 */
public record Caller(String subject, Set<String> groups, String tenant, Instant expiresAt)
    implements Principal {
  public static final String PUBLISHER = "publisher";
  public static final String ADMIN = "admin";

  public Caller {
    groups = Set.copyOf(groups);
  }

  @Override
  public String getName() {
    return subject;
  }

  public boolean inGroup(String group) {
    return groups.contains(group);
  }
}
