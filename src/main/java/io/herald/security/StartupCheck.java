package io.herald.security;

import io.herald.security.dev.DevConfigSource;
import io.herald.security.dev.DevMode;
import jakarta.annotation.Priority;
import jakarta.interceptor.Interceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Refuses to start without a verification key (an open gateway is worse than a stopped one), or
 * with dev mode beside a real key (dev mode mints tokens for anyone; it must never run where a real
 * key is configured, through any config source), and says loudly when the dev key is in use.
 */
@ApplicationScoped
public class StartupCheck {
  private static final Logger LOG = Logger.getLogger(StartupCheck.class.getName());
  static final List<String> KEY_PROPERTIES = List.of("mp.jwt.verify.publickey", "mp.jwt.verify.publickey.location");

  @Inject Config config;

  void check(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) @Initialized(ApplicationScoped.class) Object context) {
    if (!DevMode.enabled() && config.getOptionalValue("herald.dev-mode", String.class).map(Boolean::parseBoolean).orElse(false)) {
      throw new IllegalStateException(
          "herald.dev-mode is set in a configuration file, where Herald does not read it: dev mode is switched on"
              + " only by the system property herald.dev-mode or the environment variable HERALD_DEV_MODE.");
    }
    if (DevMode.enabled()) {
      List<String> sources = realKeySources();
      if (!sources.isEmpty()) {
        throw new IllegalStateException(
            "\n*****************************************************************************"
                + "\n*  HERALD REFUSES TO START: dev mode (HERALD_DEV_MODE / herald.dev-mode) is   *"
                + "\n*  on, and a real token key is configured. Dev mode mints tokens for anyone; *"
                + "\n*  it must never run beside a real key. Switch dev mode off, or remove the   *"
                + "\n*  key. The key is configured in: " + String.join("; ", sources)
                + "\n*****************************************************************************");
      }
    }
    if (config.getOptionalValue("mp.jwt.decrypt.key.location", String.class).isPresent()) {
      throw new IllegalStateException(
          "mp.jwt.decrypt.key.location is set, but Herald accepts signed tokens only (JWS), not encrypted ones (JWE).");
    }
    JwtSettings settings = JwtSettings.from(config);
    if (!settings.hasKey()) {
      throw new IllegalStateException(
          "Herald has no JWT verification key. Set MP_JWT_VERIFY_PUBLICKEY_LOCATION (or"
              + " MP_JWT_VERIFY_PUBLICKEY), or HERALD_DEV_MODE=true for local development only."
              + " See docs/configuration.md.");
    }
    if (DevMode.enabled()) {
      LOG.warning(
          "\n*****************************************************************************"
              + "\n*  HERALD DEV MODE: a throw-away key pair signs and verifies tokens, and     *"
              + "\n*  GET /dev/token mints them for anyone. NEVER run this in production.        *"
              + "\n*****************************************************************************");
    }
  }

  /** Every config source but dev mode's own that sets a verification key, by name and property. */
  private List<String> realKeySources() {
    List<String> found = new ArrayList<>();
    for (ConfigSource source : config.getConfigSources()) {
      if (source instanceof DevConfigSource) {
        continue;
      }
      for (String property : KEY_PROPERTIES) {
        String value = source.getValue(property);
        if (value != null && !value.isBlank()) {
          found.add(source.getName() + " (" + property + ")");
        }
      }
    }
    return found;
  }
}
