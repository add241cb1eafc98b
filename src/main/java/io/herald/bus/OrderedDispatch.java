package io.herald.bus;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bus's one ordered thread with a bounded backlog. A place is taken before an item is handed
 * over ({@link #take} waits for one, {@link #tryTake} does not) and given back when the item is
 * done, so at most {@code capacity} items wait or run, and the executor's own queue, sized to
 * match, never refuses one.
 *
 * <p>Waiting is the back-pressure: the JMS consumer thread waits here, so a backlog stays in the
 * broker (durable) instead of moving into this instance's heap.
 */
final class OrderedDispatch implements Executor {
  private final int capacity;
  private final Semaphore room;
  private final ThreadPoolExecutor thread;
  private final AtomicLong waits = new AtomicLong();
  private volatile boolean stopped;

  OrderedDispatch(int capacity, ThreadFactory threads) {
    if (capacity < 1) {
      throw new IllegalArgumentException("herald.bus.queue-size must be at least 1, not " + capacity);
    }
    this.capacity = capacity;
    this.room = new Semaphore(capacity);
    this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(capacity), threads);
  }

  /** Runs an item that holds a place ({@link #take}/{@link #tryTake}); it must {@link #done} it. */
  @Override
  public void execute(Runnable item) {
    thread.execute(item);
  }

  /**
   * Takes a place, waiting while the backlog is full, however long (the broker holds the rest
   * meanwhile). Gives up (false) only when the dispatch has stopped, so that a caller that must
   * hand its item back to the broker is never stuck.
   */
  boolean take() throws InterruptedException {
    if (room.tryAcquire()) {
      return true;
    }
    waits.incrementAndGet();
    while (!stopped) {
      if (room.tryAcquire(200, TimeUnit.MILLISECONDS)) {
        return true;
      }
    }
    return false;
  }

  /** Takes a place if there is one now. */
  boolean tryTake() {
    return !stopped && room.tryAcquire();
  }

  /** Gives the place of a finished (or never started) item back. */
  void done() {
    room.release();
  }

  /** Items waiting or running now. */
  int depth() {
    return capacity - room.availablePermits();
  }

  int capacity() {
    return capacity;
  }

  boolean full() {
    return room.availablePermits() == 0;
  }

  /** How often a caller had to wait for a place (the broker was slowed down). */
  long waits() {
    return waits.get();
  }

  /** Runs what is already handed over, takes nothing more, and waits up to {@code millis} for it. */
  boolean drainAndStop(long millis) throws InterruptedException {
    stopped = true;
    thread.shutdown();
    return thread.awaitTermination(millis, TimeUnit.MILLISECONDS);
  }
}
