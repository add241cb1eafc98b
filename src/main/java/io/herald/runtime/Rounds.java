package io.herald.runtime;

/**
 * A duty every connection needs once a period (a ping, a heartbeat), spread over the period: the
 * clock ticks about once a second, and each tick serves the connections whose slice it is, so
 * 10,000 connections are not all written to in the same instant every period (a burst that holds
 * up deliveries behind it). Periods under two seconds (tests) are not spread.
 */
public final class Rounds {
  private final long periodMillis;
  private final int slices;
  private long tick;

  public Rounds(long periodMillis) {
    this.periodMillis = periodMillis;
    this.slices = (int) Math.max(1, Math.min(60, periodMillis / 1000));
  }

  /** How often to call {@link #next}. */
  public long tickMillis() {
    return periodMillis / slices;
  }

  /** Starts the next tick (one caller at a time) and says whose turn it is. */
  public Turn next() {
    int slice = (int) (tick++ % slices);
    return key -> Math.floorMod(key.hashCode(), slices) == slice;
  }

  /** Whether a connection (by its id) is served in this tick. */
  @FunctionalInterface
  public interface Turn {
    boolean includes(String key);
  }
}
