package io.herald.security;

import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Ends connections when their token expires. A random spread of up to
 * {@code herald.security.expiry-spread-ms} is added so that a fleet of tokens minted together
 * (same {@code exp}) does not make every client reconnect in the same second.
 */
@ApplicationScoped
public class TokenLifetime {
  @Inject
  @ConfigProperty(name = "herald.security.expiry-spread-ms", defaultValue = "5000")
  long spreadMillis;

  @Resource ManagedScheduledExecutorService scheduler;

  /** Runs {@code onExpiry} at {@code expiresAt} plus the spread; cancel the result to call it off. */
  public ScheduledFuture<?> schedule(Instant expiresAt, Runnable onExpiry) {
    long spread = spreadMillis <= 0 ? 0 : ThreadLocalRandom.current().nextLong(spreadMillis + 1);
    long delay = Math.max(0, Duration.between(Instant.now(), expiresAt).toMillis()) + spread;
    return scheduler.schedule(onExpiry, delay, TimeUnit.MILLISECONDS);
  }
}
