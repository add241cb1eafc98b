package io.herald.bus;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Bus settings (docs/configuration.md, "Idempotency"). */
@ApplicationScoped
public class BusSettings {
  @Inject
  @ConfigProperty(name = "herald.idempotency.window-ms", defaultValue = "300000")
  long idempotencyWindowMillis;

  @Inject
  @ConfigProperty(name = "herald.idempotency.max-keys", defaultValue = "100000")
  int idempotencyMaxKeys;

  @Inject
  @ConfigProperty(name = "herald.idempotency.max-key-length", defaultValue = "200")
  int idempotencyMaxKeyLength;

  public long idempotencyWindowMillis() {
    return idempotencyWindowMillis;
  }

  public int idempotencyMaxKeys() {
    return idempotencyMaxKeys;
  }

  public int idempotencyMaxKeyLength() {
    return idempotencyMaxKeyLength;
  }
}
