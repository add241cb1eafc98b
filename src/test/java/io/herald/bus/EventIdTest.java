package io.herald.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.ManualClock;
import org.junit.jupiter.api.Test;

class EventIdTest {
  @Test
  void roundTripsThroughItsTextForm() {
    EventId id = new EventId(1795445796241L, 3, "gw_1");
    assertEquals("1795445796241-3-gw_1", id.toString());
    assertEquals(id, EventId.parse(id.toString()));
  }

  @Test
  void parseRefusesWhatIsNotAnId() {
    for (String text : new String[] {null, "", "abc", "1-2", "1--x", "x-1-a", "1-x-a", "1-2-"}) {
      assertNull(EventId.parse(text), String.valueOf(text));
    }
  }

  @Test
  void ordersByTimeThenSequenceThenOrigin() {
    assertTrue(new EventId(2, 0, "a").compareTo(new EventId(1, 9, "z")) > 0);
    assertTrue(new EventId(1, 2, "a").compareTo(new EventId(1, 1, "z")) > 0);
    assertTrue(new EventId(1, 1, "b").compareTo(new EventId(1, 1, "a")) > 0);
  }

  @Test
  void generatorStrictlyIncreasesWithinAMillisecondAndWhenTheClockStepsBack() {
    ManualClock now = new ManualClock(1000);
    EventIdGenerator ids = new EventIdGenerator("me", now);
    EventId a = ids.next();
    EventId b = ids.next();
    now.set(500); // the wall clock steps back
    EventId c = ids.next();
    now.set(2000);
    EventId d = ids.next();
    assertTrue(b.compareTo(a) > 0);
    assertTrue(c.compareTo(b) > 0);
    assertTrue(d.compareTo(c) > 0);
    assertEquals(new EventId(2000, 0, "me"), d);
  }

  @Test
  void idsPublishedAfterSeeingAnotherOriginsIdAreGreaterWhateverTheClocksSay() {
    ManualClock now = new ManualClock(1000);
    EventIdGenerator ids = new EventIdGenerator("me", now);
    ids.observe(new EventId(5000, 3, "ahead")); // another instance's clock runs 4 s ahead
    EventId next = ids.next();
    assertTrue(next.compareTo(new EventId(5000, 3, "ahead")) > 0);
    ids.observe(new EventId(1000 + 3_600_000, 0, "wrong")); // an hour ahead: not followed
    assertTrue(ids.next().millis() < 10_000);
  }
}
