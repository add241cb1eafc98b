package io.herald.admin;

import io.herald.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** {@code herald.admin.*}: who administers, and the bounds of what an admin request may take. */
@ApplicationScoped
public class AdminSettings {
  @Inject
  @ConfigProperty(name = "herald.admin.group", defaultValue = Caller.ADMIN)
  String group;

  /** Unset: every admin is held to the tenant of its token. */
  @Inject
  @ConfigProperty(name = "herald.admin.super-group")
  Optional<String> superGroup;

  /** How long a cluster-wide request waits for the instances that have not answered yet. */
  @Inject
  @ConfigProperty(name = "herald.admin.timeout-ms", defaultValue = "1500")
  long timeoutMillis;

  /** Admin requests waiting for other instances at once; more are refused (503). */
  @Inject
  @ConfigProperty(name = "herald.admin.max-waiting", defaultValue = "64")
  int maxWaiting;

  /** The most connections one instance lists in an answer. */
  @Inject
  @ConfigProperty(name = "herald.admin.max-listed", defaultValue = "500")
  int maxListed;

  public String group() {
    return group;
  }

  public boolean admin(Caller caller) {
    return caller.inGroup(group) || superAdmin(caller);
  }

  public boolean superAdmin(Caller caller) {
    return superGroup.isPresent() && caller.inGroup(superGroup.get());
  }

  long timeoutMillis() {
    return timeoutMillis;
  }

  int maxWaiting() {
    return maxWaiting;
  }

  int maxListed() {
    return maxListed;
  }
}
