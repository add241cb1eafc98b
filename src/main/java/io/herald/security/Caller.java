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
 * @param tenant the tenant claim (name configurable), or the configured default tenant
 * @param expiresAt the token's {@code exp}
 * @param subscribeGrants channel patterns the holder may subscribe to ({@link Grants})
 * @param publishGrants channel patterns the holder may publish into from a client connection
 * @param name the user's display name, from {@code herald.security.name-claim}, or null
 * @param avatar the address of the user's picture, from {@code herald.security.avatar-claim}, or null
 */
public record Caller(
    String subject,
    Set<String> groups,
    String tenant,
    Instant expiresAt,
    Set<String> subscribeGrants,
    Set<String> publishGrants,
    String name,
    String avatar)
    implements Principal {
  public static final String PUBLISHER = "publisher";
  public static final String ADMIN = "admin";

  /** A caller whose token says nothing of its name or picture. */
  public Caller(String subject, Set<String> groups, String tenant, Instant expiresAt, Set<String> subscribeGrants, Set<String> publishGrants) {
    this(subject, groups, tenant, expiresAt, subscribeGrants, publishGrants, null, null);
  }

  public Caller {
    groups = Set.copyOf(groups);
    subscribeGrants = Set.copyOf(subscribeGrants);
    publishGrants = Set.copyOf(publishGrants);
  }

  @Override
  public String getName() {
    return subject;
  }

  public boolean inGroup(String group) {
    return groups.contains(group);
  }
}
