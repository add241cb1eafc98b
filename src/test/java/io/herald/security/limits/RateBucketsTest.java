package io.herald.security.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Buckets per publisher: the rate holds, and quiet publishers are not kept forever. */
class RateBucketsTest {
  @Test
  void theRateHoldsPerKeyAndABatchOverTheBurstIsNeverTaken() {
    RateBuckets buckets = new RateBuckets(() -> new TokenBucket(3, 0.001));
    assertTrue(buckets.take("a", 3).taken());
    RateBuckets.Take refused = buckets.take("a", 1);
    assertFalse(refused.taken());
    assertTrue(refused.retryAfterSeconds() >= 1);
    assertTrue(buckets.take("b", 1).taken(), "each key has its own");
    RateBuckets.Take tooBig = buckets.take("c", 4);
    assertFalse(tooBig.taken());
    assertEquals(0, tooBig.retryAfterSeconds(), "never possible: no point retrying");
  }

  @Test
  void bucketsThatFilledUpAgainAreForgotten() throws Exception {
    RateBuckets buckets = new RateBuckets(() -> new TokenBucket(2, 1000));
    for (int i = 0; i < 10_000; i++) {
      buckets.take("publisher-" + i, 1);
    }
    assertEquals(10_000, buckets.size());
    Thread.sleep(20); // 1000 per second: refilled in a few milliseconds
    buckets.evictFull();
    assertEquals(0, buckets.size(), "publishers back at their full allowance take no memory");
    RateBuckets slow = new RateBuckets(() -> new TokenBucket(2, 0.001));
    slow.take("busy", 1);
    slow.evictFull();
    assertEquals(1, slow.size(), "one still drawing on its allowance is kept, or it would start afresh");
  }
}
