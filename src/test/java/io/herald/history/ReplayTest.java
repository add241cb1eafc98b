package io.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A replay made to fit a connection's bound: channels that do not fit become gaps. */
class ReplayTest {
  private static final EventId SINCE = new EventId(1_000, 0, "a");
  private static final EventId HEAD = new EventId(9_000, 0, "a");
  private int seq;

  private Envelope event(String channel) {
    return new Envelope(new EventId(2_000, seq++, "a"), channel, "e", null, "p", "acme", Instant.EPOCH);
  }

  @Test
  void aReplayThatFitsIsLeftAlone() {
    Replay replay = new Replay(List.of(event("jobs.1"), event("jobs.2")), Set.of(), List.of(), HEAD);
    assertSame(replay, replay.fit(2, SINCE, cut -> List.of()));
  }

  @Test
  void theLargestChannelsBecomeGapsWithTheirLastValuesUntilTheRestFits() {
    List<Envelope> events = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      events.add(event("jobs.big"));
    }
    Envelope small = event("jobs.small");
    events.add(small);
    Envelope bigLatest = events.get(49);
    Replay fitted = new Replay(events, Set.of(), List.of(), HEAD).fit(10, SINCE, cut -> cut.contains("jobs.big") ? List.of(bigLatest) : List.of());

    assertEquals(Set.of("jobs.big"), fitted.gaps());
    assertEquals(List.of(small), fitted.events(), "the channel that fits is recovered");
    assertEquals(List.of(bigLatest), fitted.lastValues(), "the cut channel's last value comes along");
    assertEquals(3, fitted.frameCount());
  }

  @Test
  void whenNotEvenTheGapsFitThereIsNoReplay() {
    Replay replay = new Replay(List.of(event("jobs.1"), event("jobs.2"), event("jobs.3")), Set.of(), List.of(), HEAD);
    assertNull(replay.fit(2, SINCE, cut -> List.of()));
  }
}
