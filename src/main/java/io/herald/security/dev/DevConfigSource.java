package io.herald.security.dev;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * In dev mode, and only when no key is configured, publishes the dev public key as
 * {@code mp.jwt.verify.publickey} so that MP-JWT and Herald's own verifier both trust it.
 */
public class DevConfigSource implements ConfigSource {
  private volatile Map<String, String> properties;

  @Override
  public Map<String, String> getProperties() {
    Map<String, String> p = properties;
    if (p == null) {
      p = new HashMap<>();
      if (DevMode.enabled() && !DevMode.keyConfigured()) {
        p.put("mp.jwt.verify.publickey", DevMode.publicKeyPem());
        if (!DevMode.issuerConfigured()) {
          p.put("mp.jwt.verify.issuer", DevMode.ISSUER);
        }
        // Dev tokens without ?tenant= belong to one default tenant, as in a single-tenant setup.
        p.put("herald.security.default-tenant", "default");
      }
      properties = p;
    }
    return p;
  }

  @Override
  public Set<String> getPropertyNames() {
    return getProperties().keySet();
  }

  @Override
  public String getValue(String name) {
    return getProperties().get(name);
  }

  @Override
  public String getName() {
    return "herald-dev-mode";
  }

  @Override
  public int getOrdinal() {
    return 90; // below microprofile-config.properties (100), environment and system properties
  }
}
