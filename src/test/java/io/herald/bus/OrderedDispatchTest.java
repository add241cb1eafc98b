package io.herald.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The bus's ordered thread: in order, never more than its capacity waiting, a waiting caller. */
class OrderedDispatchTest {
  private final OrderedDispatch dispatch = new OrderedDispatch(3, Executors.defaultThreadFactory());

  private void hand(Runnable item) {
    dispatch.execute(
        () -> {
          try {
            item.run();
          } finally {
            dispatch.done();
          }
        });
  }

  @Test
  void runsInOrderAndRefusesBeyondItsCapacity() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 3; i++) {
      assertTrue(dispatch.tryTake());
      int n = i;
      hand(
          () -> {
            await(gate);
            ran.add(n);
          });
    }
    assertEquals(3, dispatch.depth());
    assertTrue(dispatch.full());
    assertFalse(dispatch.tryTake(), "a fourth is refused, not queued");
    gate.countDown();
    assertTrue(dispatch.drainAndStop(5_000));
    assertEquals(List.of(0, 1, 2), ran, "one thread, in the order handed over");
    assertEquals(0, dispatch.depth());
  }

  @Test
  void aWaitingCallerGetsThePlaceOfTheFirstItemDone() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    for (int i = 0; i < 3; i++) {
      dispatch.tryTake();
      hand(() -> await(gate));
    }
    AtomicBoolean taken = new AtomicBoolean();
    Thread consumer =
        new Thread(
            () -> {
              try {
                taken.set(dispatch.take());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    consumer.start();
    Thread.sleep(300);
    assertFalse(taken.get(), "the caller waits while the backlog is full");
    assertEquals(1, dispatch.waits());
    gate.countDown();
    consumer.join(5_000);
    assertTrue(taken.get(), "and goes on once an item is done");
  }

  @Test
  void aWaitingCallerGivesUpWhenTheDispatchStops() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    for (int i = 0; i < 3; i++) {
      dispatch.tryTake();
      hand(() -> await(gate));
    }
    AtomicBoolean taken = new AtomicBoolean(true);
    Thread consumer =
        new Thread(
            () -> {
              try {
                taken.set(dispatch.take());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    consumer.start();
    Thread.sleep(100);
    Thread stopper =
        new Thread(
            () -> {
              try {
                dispatch.drainAndStop(5_000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    stopper.start();
    consumer.join(5_000);
    assertFalse(consumer.isAlive(), "never stuck on a stopped bus");
    assertFalse(taken.get(), "and told so, to hand its item back");
    gate.countDown();
    stopper.join(5_000);
  }

  private static void await(CountDownLatch gate) {
    try {
      gate.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
