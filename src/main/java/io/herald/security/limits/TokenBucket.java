package io.herald.security.limits;

/**
 * A token bucket: up to {@code burst} at once, refilled at {@code perSecond}. Not thread-safe on
 * purpose: each one belongs to one connection, whose messages the container delivers one at a
 * time; shared buckets synchronize on themselves.
 */
public final class TokenBucket {
  private final double burst;
  private final double perNano;
  private double tokens;
  private long last;

  public TokenBucket(int burst, double perSecond) {
    this.burst = burst;
    this.perNano = perSecond / 1_000_000_000d;
    this.tokens = burst;
    this.last = System.nanoTime();
  }

  /** Takes one token if there is one. */
  public boolean tryTake() {
    long now = System.nanoTime();
    tokens = Math.min(burst, tokens + (now - last) * perNano);
    last = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /** Seconds until a token is available again (for Retry-After). */
  public long secondsUntilNext() {
    return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano / 1_000_000_000d);
  }
}
