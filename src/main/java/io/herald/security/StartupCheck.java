package io.herald.security;

import io.herald.security.dev.DevMode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.Config;

/**
 * Refuses to start without a verification key (an open gateway is worse than a stopped one), and
 * says loudly when the dev key is in use.
 */
@ApplicationScoped
public class StartupCheck {
  private static final Logger LOG = Logger.getLogger(StartupCheck.class.getName());

  @Inject Config config;

  void check(@Observes @Initialized(ApplicationScoped.class) Object context) {
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
}
