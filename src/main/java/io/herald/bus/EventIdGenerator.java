package io.herald.bus;

import java.time.Clock;

/**
 * Hands out strictly increasing ids for one origin, even if the wall clock steps back (the last
 * time is kept and the sequence carries on from it). It is also a hybrid logical clock: ids seen
 * from other origins push it forward, so an event published after another was seen has a greater
 * id, whatever the clocks of the two origins say.
 */
public final class EventIdGenerator {
  private final String origin;
  private final Clock clock;
  private long lastMillis;
  private int sequence;

  public EventIdGenerator(String origin, Clock clock) {
    this.origin = origin;
    this.clock = clock;
  }

  /** Ids from far ahead of this clock (a producer with a wrong clock) are not followed. */
  private static final long MAX_AHEAD_MILLIS = 60_000;

  /** Moves this clock past an id seen from elsewhere. */
  public synchronized void observe(EventId seen) {
    if (seen.millis() > clock.millis() + MAX_AHEAD_MILLIS) {
      return;
    }
    if (seen.millis() > lastMillis || (seen.millis() == lastMillis && seen.sequence() > sequence)) {
      lastMillis = seen.millis();
      sequence = seen.sequence();
    }
  }

  public synchronized EventId next() {
    long now = clock.millis();
    if (now > lastMillis) {
      lastMillis = now;
      sequence = 0;
    } else {
      sequence++;
    }
    return new EventId(lastMillis, sequence, origin);
  }
}
