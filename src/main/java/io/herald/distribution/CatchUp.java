package io.herald.distribution;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * Whether this instance has taken in what its durable subscription kept while it was away. With
 * every connection it sends a barrier, a message that only it looks at, to the internal topic
 * behind that backlog; the topic keeps one order, so once the barrier has come back through the
 * bus, everything before it is in the history, and resumes are answered from a complete one.
 * Until then the instance is behind ({@link io.herald.bus.Broker#behind}): not ready, and new
 * connections are refused. Found by the chaos run (docs/testing.md): an instance restarted after
 * {@code kill -9} reported ready with minutes of backlog still to come, and handed it to the
 * clients that had just resumed there as live events, events they had long had.
 *
 * <p>A connection lost after the instance was once current does not make it behind: its history
 * is good up to the loss, and its clients stay (docs/jms.md, "When the broker is down").
 */
final class CatchUp {
  private static final Logger LOG = Logger.getLogger(CatchUp.class.getName());
  /** How long a barrier may take before another is sent behind it (one expired or purged, say). */
  static final long RESEND_MILLIS = 60_000;

  private final String subscription;
  /** The barrier of the current connection until it comes back; null when there is none to wait for. */
  private final AtomicReference<String> awaited = new AtomicReference<>();
  private volatile boolean current;
  private volatile long connectedAt;
  /** Messages taken while waiting for the barrier (for the log). */
  private final AtomicLong taken = new AtomicLong();

  CatchUp(String subscription) {
    this.subscription = subscription;
  }

  /** Whether the instance is behind: never current yet, or waiting for its barrier. */
  boolean behind() {
    return !current || awaited.get() != null;
  }

  /** A new connection: the barrier to send behind its backlog. */
  String connected() {
    connectedAt = System.nanoTime();
    taken.set(0);
    String token = token();
    awaited.set(token);
    return token;
  }

  /**
   * The barrier {@code token} has not come back in {@link #RESEND_MILLIS}: another to send behind
   * it (a barrier can expire with the messages' time-to-live, or be purged), or null if that one
   * is no longer awaited.
   */
  String resend(String token) {
    String next = token();
    String expected = awaited.get();
    if (!token.equals(expected) || !awaited.compareAndSet(expected, next)) {
      return null;
    }
    LOG.warning(
        "Still taking in what the broker kept for subscription " + subscription + " after " + RESEND_MILLIS + " ms ("
            + taken.get() + " messages so far); sending another barrier");
    return next;
  }

  /** The connection is gone: a barrier of it still on its way means nothing any more. */
  void lost() {
    awaited.set(null);
  }

  /** A message of the subscription was taken (counted while catching up, for the log). */
  void took() {
    if (awaited.get() != null) {
      taken.incrementAndGet();
    }
  }

  /** Whether a barrier is the one this instance waits for (other instances' are skipped). */
  boolean awaits(String token) {
    return token.equals(awaited.get());
  }

  /** The barrier has gone through the bus: everything before it is delivered and in the history. */
  void reached(String token) {
    String expected = awaited.get();
    // compareAndSet compares references: the token in hand was read from a message
    if (!token.equals(expected) || !awaited.compareAndSet(expected, null)) {
      return; // a newer connection, or a resend, sent a newer one
    }
    current = true;
    LOG.info(
        "Caught up with subscription " + subscription + ": " + taken.get() + " messages kept by the broker taken in "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedAt) + " ms");
  }

  private String token() {
    return subscription + ':' + UUID.randomUUID();
  }
}
