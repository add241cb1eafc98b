package io.herald.publish;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Limits of the publish API; documented in docs/configuration.md. */
@ApplicationScoped
public class PublishSettings {
  @Inject
  @ConfigProperty(name = "herald.publish.max-body-bytes", defaultValue = "65536")
  int maxBodyBytes;

  @Inject
  @ConfigProperty(name = "herald.publish.max-batch-events", defaultValue = "1000")
  int maxBatchEvents;

  @Inject
  @ConfigProperty(name = "herald.publish.max-batch-bytes", defaultValue = "1048576")
  int maxBatchBytes;

  public int maxBatchEvents() {
    return maxBatchEvents;
  }

  public int maxBatchBytes() {
    return maxBatchBytes;
  }

  public int maxBodyBytes() {
    return maxBodyBytes;
  }
}
