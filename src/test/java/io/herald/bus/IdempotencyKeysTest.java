package io.herald.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.ManualClock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
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
    assertEquals(EventId.parse("1-0-a"), keys.find("acme", "k").id());
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
  void aKeySentButNotYetBackIsKnownTooWithItsSend() {
    IdempotencyKeys keys = new IdempotencyKeys(60_000, 100, clock);
    CompletableFuture<Void> sending = new CompletableFuture<>();
    keys.reserve("acme", "k", EventId.parse("1-0-a"), sending);
    IdempotencyKeys.Use use = keys.find("acme", "k");
    assertEquals(EventId.parse("1-0-a"), use.id());
    assertTrue(use.inFlight(), "a repeat can wait for the first send's outcome");
    sending.complete(null);
    assertTrue(keys.admit(keyed("1-0-a", "acme", "k")));
    assertFalse(keys.find("acme", "k").inFlight(), "back from the topic: used for good");
  }

  @Test
  void aKeyWhoseSendFailedIsFreeAgain() {
    IdempotencyKeys keys = new IdempotencyKeys(60_000, 100, clock);
    CompletableFuture<Void> sending = new CompletableFuture<>();
    keys.reserve("acme", "k", EventId.parse("1-0-a"), sending);
    sending.completeExceptionally(new IllegalStateException("broker down"));
    assertNull(keys.find("acme", "k"), "a failed send does not use the key, even before it is released");
    keys.reserve("acme", "k", EventId.parse("2-0-a"), new CompletableFuture<>());
    keys.release("acme", "k", EventId.parse("1-0-a"));
    assertEquals(EventId.parse("2-0-a"), keys.find("acme", "k").id(), "a late release does not free the retry's key");
    keys.release("acme", "k", EventId.parse("2-0-a"));
    assertNull(keys.find("acme", "k"));
  }

  @Test
  void eventsWithoutAKeyAlwaysPass() {
    IdempotencyKeys keys = new IdempotencyKeys(60_000, 100, clock);
    assertTrue(keys.admit(keyed("1-0-a", "acme", null)));
    assertTrue(keys.admit(keyed("1-0-a", "acme", null)));
  }
}
