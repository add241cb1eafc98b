package io.herald.observability;

/**
 * Whether something has been found full at every look for a while: a burst that fills it for a
 * moment is not a stuck one. Looks come from readiness probes, seconds apart; what happens
 * between them is not seen.
 */
final class FullFor {
  private final long millis;
  /** Since when every look found it full; -1 while the last look did not. */
  private long since = -1;

  FullFor(long millis) {
    this.millis = millis;
  }

  /** One look at {@code now}: whether it has been full at every look for {@code millis} or more. */
  synchronized boolean stuck(boolean full, long now) {
    if (!full) {
      since = -1;
      return false;
    }
    if (since < 0) {
      since = now;
    }
    return now - since >= millis;
  }
}
