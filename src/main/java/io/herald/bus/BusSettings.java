package io.herald.bus;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Bus settings (docs/configuration.md, "History, recovery and idempotency" and "Bus"). */
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

  @Inject
  @ConfigProperty(name = "herald.bus.queue-size", defaultValue = "10000")
  int queueSize;

  @Inject
  @ConfigProperty(name = "herald.publish.timeout-ms", defaultValue = "5000")
  long publishTimeoutMillis;

  /** Events and signals waiting for the bus's ordered thread, at most (back-pressure beyond). */
  public int queueSize() {
    return queueSize;
  }

  /** The longest a publish waits for distribution to take its event; then 503, and it is not sent. */
  public long publishTimeoutMillis() {
    return publishTimeoutMillis;
  }

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
