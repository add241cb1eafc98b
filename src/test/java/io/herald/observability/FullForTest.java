package io.herald.observability;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FullForTest {
  @Test
  void onlyFullAtEveryLookForTheWholeTimeIsStuck() {
    FullFor bus = new FullFor(10_000);
    assertFalse(bus.stuck(true, 0), "full for a moment: a burst");
    assertFalse(bus.stuck(true, 9_999));
    assertTrue(bus.stuck(true, 10_000), "full at every look for 10 s");
    assertFalse(bus.stuck(false, 10_500), "caught up");
    assertFalse(bus.stuck(true, 11_000), "the clock starts again");
    assertTrue(bus.stuck(true, 21_000));
  }

  @Test
  void withNoTimeAtAllFullIsStuck() {
    FullFor bus = new FullFor(0);
    assertTrue(bus.stuck(true, 5));
    assertFalse(bus.stuck(false, 6));
  }
}
