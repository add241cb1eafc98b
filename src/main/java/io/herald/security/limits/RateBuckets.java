package io.herald.security.limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One token bucket per key (a publisher), holding only the keys that are using their allowance:
 * a bucket that has filled up again is the same as a new one, so {@link #evictFull} forgets it.
 * However many keys come and go, the map holds those active within about one refill time.
 */
public final class RateBuckets {
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
  private final Supplier<TokenBucket> fresh;

  public RateBuckets(Supplier<TokenBucket> fresh) {
    this.fresh = fresh;
  }

  /** The outcome of a take: taken, or how long until it could be. */
  public record Take(boolean taken, long retryAfterSeconds, int burst) {}

  /** Takes {@code n} tokens from {@code key}'s bucket, all or none. */
  public Take take(String key, int n) {
    // under the map's lock for the key, so an eviction cannot drop a bucket being drawn on
    Take[] outcome = new Take[1];
    buckets.compute(
        key,
        (k, bucket) -> {
          TokenBucket b = bucket == null ? fresh.get() : bucket;
          outcome[0] =
              n > b.burst()
                  ? new Take(false, 0, b.burst())
                  : b.tryTake(n) ? new Take(true, 0, b.burst()) : new Take(false, Math.max(1, b.secondsUntilNext()), b.burst());
          return b;
        });
    return outcome[0];
  }

  /** Forgets every bucket that is full again. */
  public void evictFull() {
    for (String key : buckets.keySet()) {
      buckets.computeIfPresent(key, (k, bucket) -> bucket.isFull() ? null : bucket);
    }
  }

  public int size() {
    return buckets.size();
  }
}
