package io.herald.transport;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection's frames waiting to be written: bounded in count, but taking memory only for what
 * is queued. Most connections are idle most of the time, and a queue allocated at its bound (an
 * {@code ArrayBlockingQueue} of 1,024 slots is 4 KB) cost every idle connection that much heap
 * (docs/performance.md, idle memory).
 *
 * <p>Many threads may offer (the bus, heartbeats, the connection's own replies); one drain at a
 * time polls. The bound is kept by a counter taken before the frame goes in, so concurrent offers
 * never overshoot it.
 */
public final class Outbox<T> {
  private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final int capacity;

  public Outbox(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
    }
    this.capacity = capacity;
  }

  /** Queues {@code item} unless {@code capacity} items wait already; false means full. */
  public boolean offer(T item) {
    if (size.incrementAndGet() > capacity) {
      size.decrementAndGet();
      return false;
    }
    items.add(item);
    return true;
  }

  /** The oldest item, removed, or null. */
  public T poll() {
    T item = items.poll();
    if (item != null) {
      size.decrementAndGet();
    }
    return item;
  }

  /** The oldest item, left in place, or null. */
  public T peek() {
    return items.peek();
  }

  public boolean isEmpty() {
    return items.isEmpty();
  }

  /** Drops everything queued; used when the connection ends. */
  public void clear() {
    while (poll() != null) {
      // each poll gives its slot back
    }
  }
}
