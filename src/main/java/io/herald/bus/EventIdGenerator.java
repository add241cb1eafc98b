package io.herald.bus;

import java.time.Clock;

/**
 * Hands out strictly increasing ids for one origin, even if the wall clock steps back (the last
 * time is kept and the sequence carries on from it).
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
