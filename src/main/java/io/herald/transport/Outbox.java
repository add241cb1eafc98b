package io.herald.transport;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection's frames waiting to be written: bounded in count, but taking memory only for what
 * is queued. Most connections are idle most of the time, and a queue allocated at its bound (an
 * {@code ArrayBlockingQueue} of 1,024 slots is 4 KB) cost every idle connection that much heap
 * (docs/performance.md, idle memory).
 *
 * <p>Two lanes share the one bound: frames that must go ahead of every live one (a subscription's
 * reply and replay) and live frames. A replay thus counts like live frames do: a client that stops
 * reading cannot grow a connection's queue past its bound by subscribing again and again.
 *
 * <p>Many threads may offer (the bus, heartbeats, the connection's own replies); one drain at a
 * time polls. The bound is kept by a counter taken before frames go in, so concurrent offers
 * never overshoot it.
 */
public final class Outbox<T> {
  private final ConcurrentLinkedQueue<T> ahead = new ConcurrentLinkedQueue<>(); // with items, at most `capacity`: reserve() counts first
  private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>(); // the same bound, the same counter
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
    if (!reserve(1)) {
      return false;
    }
    items.add(item);
    return true;
  }

  /**
   * Queues {@code frames} ahead of every live item (after those already ahead), all or none;
   * false means they do not fit.
   */
  public boolean offerAhead(List<? extends T> frames) {
    if (!reserve(frames.size())) {
      return false;
    }
    ahead.addAll(frames);
    return true;
  }

  private boolean reserve(int n) {
    if (size.addAndGet(n) > capacity) {
      size.addAndGet(-n);
      return false;
    }
    return true;
  }

  /** How many items wait now. */
  public int size() {
    return size.get();
  }

  /** How many more items fit now. */
  public int room() {
    return Math.max(0, capacity - size.get());
  }

  /** The oldest item (those ahead first), removed, or null. */
  public T poll() {
    T item = ahead.poll();
    if (item == null) {
      item = items.poll();
    }
    if (item != null) {
      size.decrementAndGet();
    }
    return item;
  }

  /** The oldest item (those ahead first), left in place, or null. */
  public T peek() {
    T item = ahead.peek();
    return item != null ? item : items.peek();
  }

  public boolean isEmpty() {
    return ahead.isEmpty() && items.isEmpty();
  }

  /** Drops everything queued; used when the connection ends. */
  public void clear() {
    while (poll() != null) {
      // each poll gives its slot back
    }
  }
}
