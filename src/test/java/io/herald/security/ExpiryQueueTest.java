package io.herald.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Token expiries: run once, in time order, when due; called off, they are gone, with what they hold. */
class ExpiryQueueTest {
  private final ExpiryQueue queue = new ExpiryQueue();
  private final List<String> ran = new ArrayList<>();

  @Test
  void runsWhatIsDueInTimeOrderOnceAndLeavesTheRest() {
    queue.add(300, () -> ran.add("c"));
    queue.add(100, () -> ran.add("a"));
    queue.add(100, () -> ran.add("a2")); // same millisecond: both kept, in arrival order
    queue.add(200, () -> ran.add("b"));

    queue.runDue(99);
    assertTrue(ran.isEmpty(), "nothing is due yet");
    queue.runDue(200);
    assertEquals(List.of("a", "a2", "b"), ran);
    queue.runDue(1_000);
    queue.runDue(2_000);
    assertEquals(List.of("a", "a2", "b", "c"), ran, "each once");
  }

  @Test
  void aCalledOffExpiryNeverRunsAndOneFailingStopsNoOther() {
    TokenLifetime.Expiry first = queue.add(100, () -> ran.add("closed already"));
    queue.add(100, () -> {
      throw new IllegalStateException("a connection that fails to close");
    });
    queue.add(150, () -> ran.add("next"));
    first.cancel();
    first.cancel(); // harmless twice, and after it has run

    queue.runDue(200);
    assertEquals(List.of("next"), ran);
  }

  @Test
  void aCalledOffExpiryNoLongerHoldsWhatItWouldHaveClosed() throws InterruptedException {
    List<WeakReference<Object>> held = new ArrayList<>();
    TokenLifetime.Expiry expiry = expiryHolding(held);
    assertFalse(gcClears(held), "an expiry keeps its connection while it is pending");

    expiry.cancel();
    assertTrue(gcClears(held), "a closed connection must not stay reachable until its token's expiry");
  }

  /** An expiry far in the future whose action refers to a fresh object, weakly tracked in {@code held}. */
  private TokenLifetime.Expiry expiryHolding(List<WeakReference<Object>> held) {
    Object connection = new Object();
    held.add(new WeakReference<>(connection));
    return queue.add(Long.MAX_VALUE, () -> ran.add(connection.toString()));
  }

  private static boolean gcClears(List<WeakReference<Object>> held) throws InterruptedException {
    for (int i = 0; i < 20 && held.get(0).get() != null; i++) {
      System.gc();
      Thread.sleep(10);
    }
    return held.get(0).get() == null;
  }
}
