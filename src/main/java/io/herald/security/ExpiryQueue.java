package io.herald.security;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Actions due at a time, run by whoever calls {@link #runDue} (one clock for every connection),
 * and forgotten at once when called off. One scheduled task per connection would do the same,
 * but an executor keeps a cancelled task, and everything it refers to, queued until its time
 * unless told to remove it, which a container's executor is not: every closed connection would
 * stay in memory until its token's expiry.
 */
final class ExpiryQueue {
  private static final Logger LOG = Logger.getLogger(ExpiryQueue.class.getName());

  /** Orders by time, then by arrival: two actions due in the same millisecond are both kept. */
  private record Due(long atMillis, long seq) implements Comparable<Due> {
    @Override
    public int compareTo(Due other) {
      int byTime = Long.compare(atMillis, other.atMillis);
      return byTime != 0 ? byTime : Long.compare(seq, other.seq);
    }
  }

  private final ConcurrentSkipListMap<Due, Runnable> pending = new ConcurrentSkipListMap<>();
  private final AtomicLong seq = new AtomicLong();

  /**
   * Runs {@code action} at the first {@link #runDue} at or after {@code atMillis}, unless called
   * off first; calling it off removes it.
   */
  TokenLifetime.Expiry add(long atMillis, Runnable action) {
    Due key = new Due(atMillis, seq.incrementAndGet());
    pending.put(key, action);
    return () -> pending.remove(key);
  }

  /** Runs, in time order, each action due by {@code nowMillis}, once; one failing stops no other. */
  void runDue(long nowMillis) {
    Map.Entry<Due, Runnable> next;
    while ((next = pending.firstEntry()) != null && next.getKey().atMillis() <= nowMillis) {
      if (pending.remove(next.getKey()) != null) {
        try {
          next.getValue().run();
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "An expiry action failed", e);
        }
      }
    }
  }
}
