package io.herald.demo;

import io.herald.security.dev.DevMode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The demo app's settings (docs/configuration.md, "Demo"). */
@ApplicationScoped
public class DemoSettings {
  @Inject
  @ConfigProperty(name = "herald.demo.enabled")
  Optional<Boolean> enabled;

  @Inject
  @ConfigProperty(name = "herald.demo.token-url", defaultValue = "/dev/token")
  String tokenUrl;

  @Inject
  @ConfigProperty(name = "herald.demo.max-jobs", defaultValue = "5")
  int maxJobs;

  @Inject
  @ConfigProperty(name = "herald.demo.tenant")
  Optional<String> tenant;

  @Inject
  @ConfigProperty(name = "herald.security.default-tenant")
  Optional<String> defaultTenant;

  @Inject
  @ConfigProperty(name = "herald.demo.producer-user")
  Optional<String> producerUser;

  @Inject
  @ConfigProperty(name = "herald.demo.producer-password")
  Optional<String> producerPassword;

  /** On in dev mode; in production only when an operator sets it. */
  public boolean enabled() {
    return enabled.orElse(DevMode.active());
  }

  /** Where the demo page gets its tokens: {@code /dev/token} in dev mode, else the site's own. */
  String tokenUrl() {
    return tokenUrl;
  }

  int maxJobs() {
    return maxJobs;
  }

  /** The tenant of the demo's JMS messages: the demo's, else the default tenant of tokens. */
  Optional<String> tenant() {
    return tenant.or(() -> defaultTenant).filter(t -> !t.isBlank());
  }

  Optional<String> producerUser() {
    return producerUser;
  }

  Optional<String> producerPassword() {
    return producerPassword;
  }
}
