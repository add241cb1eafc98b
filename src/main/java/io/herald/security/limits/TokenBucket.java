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
    return tryTake(1);
  }

  /** Takes {@code n} tokens if there are that many, else none. */
  public boolean tryTake(int n) {
    long now = System.nanoTime();
    tokens = Math.min(burst, tokens + (now - last) * perNano);
    last = now;
    if (tokens >= n) {
      tokens -= n;
      return true;
    }
    return false;
  }

  /** Whether it has refilled to its burst: then it is no different from a new bucket. */
  public boolean isFull() {
    tryTake(0);
    return tokens >= burst;
  }

  /** The most it can ever give at once. */
  public int burst() {
    return (int) burst;
  }

  /** Seconds until a token is available again (for Retry-After). */
  public long secondsUntilNext() {
    return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano / 1_000_000_000d);
  }
}
