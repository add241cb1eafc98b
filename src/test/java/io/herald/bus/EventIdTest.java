package io.herald.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
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
    AtomicLong now = new AtomicLong(1000);
    Clock clock =
        new Clock() {
          @Override
          public long millis() {
            return now.get();
          }

          @Override
          public Instant instant() {
            return Instant.ofEpochMilli(now.get());
          }

          @Override
          public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }
        };
    EventIdGenerator ids = new EventIdGenerator("me", clock);
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
}
