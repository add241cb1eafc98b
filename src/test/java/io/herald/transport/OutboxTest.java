package io.herald.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OutboxTest {
  @Test
  void keepsOrderAndRefusesPastItsBound() {
    Outbox<String> box = new Outbox<>(3);
    assertTrue(box.offer("a"));
    assertTrue(box.offer("b"));
    assertTrue(box.offer("c"));
    assertFalse(box.offer("d"), "a fourth item does not fit a bound of 3");
    assertEquals("a", box.peek());
    assertEquals("a", box.poll());
    assertTrue(box.offer("d"), "a polled item gives its slot back");
    assertEquals(List.of("b", "c", "d"), List.of(box.poll(), box.poll(), box.poll()));
    assertNull(box.poll());
    assertTrue(box.isEmpty());
  }

  @Test
  void clearGivesEverySlotBack() {
    Outbox<Integer> box = new Outbox<>(2);
    box.offer(1);
    box.offer(2);
    box.clear();
    assertTrue(box.isEmpty());
    assertTrue(box.offer(3));
    assertTrue(box.offer(4));
    assertFalse(box.offer(5));
  }

  @Test
  void concurrentOffersNeverOvershootTheBound() throws Exception {
    int capacity = 1000;
    Outbox<Integer> box = new Outbox<>(capacity);
    AtomicInteger accepted = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < 500; i++) {
                  if (box.offer(i)) {
                    accepted.incrementAndGet();
                  }
                }
              });
      thread.start();
      threads.add(thread);
    }
    go.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    assertEquals(capacity, accepted.get(), "8 x 500 offers into 1,000 places: exactly 1,000 fit");
    int drained = 0;
    while (box.poll() != null) {
      drained++;
    }
    assertEquals(capacity, drained);
  }

  @Test
  void refusesANonsenseBound() {
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new Outbox<>(0));
  }

  @Test
  void framesAheadGoFirstAndCountAgainstTheSameBound() {
    Outbox<String> box = new Outbox<>(4);
    assertTrue(box.offer("live-1"));
    assertTrue(box.offerAhead(List.of("reply", "missed-1")));
    assertFalse(box.offerAhead(List.of("reply", "missed-1", "missed-2")), "a replay that does not fit is not queued at all");
    assertEquals(1, box.room());
    assertTrue(box.offer("live-2"));
    assertFalse(box.offer("live-3"), "replays and live frames share one bound");
    assertEquals(List.of("reply", "missed-1", "live-1", "live-2"), List.of(box.poll(), box.poll(), box.poll(), box.poll()));
  }
}
