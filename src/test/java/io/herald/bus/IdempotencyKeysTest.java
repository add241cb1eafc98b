package io.herald.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.ManualClock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class IdempotencyKeysTest {
  final ManualClock clock = new ManualClock(1_000_000);

  static Envelope keyed(String id, String tenant, String key) {
    return new Envelope(EventId.parse(id), "jobs.1", "e", null, "p", tenant, Instant.EPOCH, null, key);
  }

  @Test
  void theFirstEventWithAKeyWinsAndRepeatsAreDropped() {
    IdempotencyKeys keys = new IdempotencyKeys(60_000, 100, clock);
    assertTrue(keys.admit(keyed("1-0-a", "acme", "k")));
    assertFalse(keys.admit(keyed("2-0-b", "acme", "k")), "a repeat from another instance");
    assertTrue(keys.admit(keyed("1-0-a", "acme", "k")), "the same event again is not a repeat");
    assertTrue(keys.admit(keyed("3-0-b", "globex", "k")), "keys are per tenant");
    assertEquals(EventId.parse("1-0-a"), keys.find("acme", "k"));
  }

  @Test
  void keysExpireWithTheWindow() {
    IdempotencyKeys keys = new IdempotencyKeys(60_000, 100, clock);
    keys.admit(keyed("1-0-a", "acme", "k"));
    clock.advance(60_001);
    assertNull(keys.find("acme", "k"));
    assertTrue(keys.admit(keyed("2-0-a", "acme", "k")));
  }

  @Test
  void aKeySentButNotYetBackIsKnownToo() {
    IdempotencyKeys keys = new IdempotencyKeys(60_000, 100, clock);
    keys.reserve("acme", "k", EventId.parse("1-0-a"));
    assertEquals(EventId.parse("1-0-a"), keys.find("acme", "k"));
    assertTrue(keys.admit(keyed("1-0-a", "acme", "k")));
  }

  @Test
  void eventsWithoutAKeyAlwaysPass() {
    IdempotencyKeys keys = new IdempotencyKeys(60_000, 100, clock);
    assertTrue(keys.admit(keyed("1-0-a", "acme", null)));
    assertTrue(keys.admit(keyed("1-0-a", "acme", null)));
  }
}
