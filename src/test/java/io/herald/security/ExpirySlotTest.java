package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A connection's expiry: a refresh calls the old one off; a close calls off the one held and any later. */
class ExpirySlotTest {
  private final List<String> calledOff = new ArrayList<>();
  private final ExpirySlot slot = new ExpirySlot();

  private TokenLifetime.Expiry expiry(String name) {
    return () -> calledOff.add(name);
  }

  @Test
  void aRefreshCallsTheOldExpiryOffAndACloseTheCurrentOne() {
    slot.set(expiry("first token"));
    slot.set(expiry("refreshed token"));
    assertEquals(List.of("first token"), calledOff);

    slot.close();
    assertEquals(List.of("first token", "refreshed token"), calledOff);
    slot.close();
    assertEquals(2, calledOff.size(), "nothing is called off twice");
  }

  @Test
  void anExpirySetAfterTheCloseIsCalledOffAtOnce() {
    slot.close(); // the socket went away while its expiry was being set up
    slot.set(expiry("late"));
    assertEquals(List.of("late"), calledOff);
  }
}
