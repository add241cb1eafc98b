package io.herald.bus;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Who this instance is ({@code herald.instance-id}, random by default) and since when it runs. */
@ApplicationScoped
public class InstanceIdentity {
  private final Instant startedAt = Instant.now();
  private String id;
  private boolean configured;

  @Inject
  void init(@ConfigProperty(name = "herald.instance-id") Optional<String> configured) {
    // Ids travel inside event ids, so keep them short and free of the id separator.
    this.configured = configured.isPresent();
    id = configured.orElseGet(() -> UUID.randomUUID().toString().substring(0, 8)).replace('-', '_');
  }

  public String id() {
    return id;
  }

  /** Whether the id was configured (stable across restarts) rather than drawn at random. */
  public boolean configured() {
    return configured;
  }

  public Instant startedAt() {
    return startedAt;
  }
}
