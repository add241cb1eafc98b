package io.herald.security;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Ends connections when their token expires. A random spread of up to
 * {@code herald.security.expiry-spread-ms} is added so that a fleet of tokens minted together
 * (same {@code exp}) does not make every client reconnect in the same second.
 *
 * <p>One clock ticks for every connection ({@link ExpiryQueue}): a connection that closes first
 * calls its expiry off and leaves nothing behind.
 */
@ApplicationScoped
public class TokenLifetime {
  /** How often due expiries are run: well inside the spread, and cheap when nothing is due. */
  static final long TICK_MILLIS = 250;

  @Inject
  @ConfigProperty(name = "herald.security.expiry-spread-ms", defaultValue = "5000")
  long spreadMillis;

  @Inject io.herald.runtime.Timers scheduler;

  private final ExpiryQueue expiries = new ExpiryQueue();
  private ScheduledFuture<?> clock;

  /** A scheduled expiry; a connection that closes first calls it off. */
  @FunctionalInterface
  public interface Expiry {
    /** Calls the expiry off and forgets it; harmless once it has run. */
    void cancel();
  }

  @PostConstruct
  void start() {
    clock =
        scheduler.scheduleWithFixedDelay(
            () -> expiries.runDue(System.currentTimeMillis()), TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  @PreDestroy
  void stop() {
    clock.cancel(false);
  }

  /** Runs {@code onExpiry} at {@code expiresAt} plus the spread, unless called off first. */
  public Expiry schedule(Instant expiresAt, Runnable onExpiry) {
    long spread = spreadMillis <= 0 ? 0 : ThreadLocalRandom.current().nextLong(spreadMillis + 1);
    return expiries.add(expiresAt.toEpochMilli() + spread, onExpiry);
  }
}
