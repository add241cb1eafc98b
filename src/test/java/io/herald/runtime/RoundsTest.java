package io.herald.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every connection is served exactly once per period, and the period is split evenly. */
class RoundsTest {
  @Test
  void everyKeyIsServedOncePerPeriodSpreadOverTheTicks() {
    Rounds rounds = new Rounds(25_000);
    assertEquals(1_000, rounds.tickMillis(), "a tick a second");
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      keys.add(UUID.randomUUID().toString());
    }
    for (int period = 0; period < 2; period++) {
      Map<String, Integer> served = new HashMap<>();
      int largestTick = 0;
      for (int tick = 0; tick < 25; tick++) {
        Rounds.Turn turn = rounds.next();
        int inTick = 0;
        for (String key : keys) {
          if (turn.includes(key)) {
            served.merge(key, 1, Integer::sum);
            inTick++;
          }
        }
        largestTick = Math.max(largestTick, inTick);
      }
      assertEquals(keys.size(), served.size(), "every key served in the period");
      assertTrue(served.values().stream().allMatch(n -> n == 1), "none twice");
      assertTrue(largestTick < 10_000 / 25 * 1.3, "no tick carries much more than its share: " + largestTick);
    }
  }

  @Test
  void shortPeriodsAreNotSpread() {
    Rounds rounds = new Rounds(500);
    assertEquals(500, rounds.tickMillis());
    assertTrue(rounds.next().includes("any"));
    assertTrue(rounds.next().includes("other"));
  }
}
