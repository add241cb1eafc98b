package io.herald.distribution;

import jakarta.jms.JMSException;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
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

  /** What sends barriers, on the broker's sender thread as every send. */
  interface Barriers {
    void send(String token) throws JMSException;

    /** Runs a resend where every send runs, if the connection is still there then. */
    void onSender(Runnable task);

    /** A send failed: the connection is lost. */
    void failed(Exception e);
  }

  private final String subscription;
  private final long resendMillis;
  private final ScheduledExecutorService scheduler;
  private final Barriers barriers;
  /** The barrier of the current connection until it comes back; null when there is none to wait for. */
  private final AtomicReference<String> awaited = new AtomicReference<>();
  private volatile boolean current;
  private volatile long connectedAt;
  /** Messages taken while waiting for the barrier (for the log). */
  private final AtomicLong taken = new AtomicLong();

  CatchUp(String subscription, long resendMillis, ScheduledExecutorService scheduler, Barriers barriers) {
    this.subscription = subscription;
    this.resendMillis = resendMillis;
    this.scheduler = scheduler;
    this.barriers = barriers;
  }

  /** Whether the instance is behind: never current yet, or waiting for its barrier. */
  boolean behind() {
    return !current || awaited.get() != null;
  }

  /**
   * A new connection (on the sender thread): sends a barrier behind its backlog, and another if it
   * is not back in time. Throws if the send fails (the connection is no good).
   */
  void connected() throws JMSException {
    connectedAt = System.nanoTime();
    taken.set(0);
    String token = token();
    awaited.set(token);
    barriers.send(token);
    resendLater(token);
  }

  private void resendLater(String token) {
    scheduler.schedule(
        () -> barriers.onSender(() -> {
          String next = resend(token);
          if (next == null) {
            return; // reached, or its connection is gone (the next one sends its own)
          }
          try {
            barriers.send(next);
            resendLater(next);
          } catch (JMSException | RuntimeException e) {
            barriers.failed(e);
          }
        }),
        resendMillis,
        TimeUnit.MILLISECONDS);
  }

  /**
   * The barrier {@code token} has not come back in time: another to send behind
   * it (a barrier can expire with the messages' time-to-live, or be purged), or null if that one
   * is no longer awaited.
   */
  private String resend(String token) {
    String next = token();
    String expected = awaited.get();
    if (!token.equals(expected) || !awaited.compareAndSet(expected, next)) {
      return null;
    }
    LOG.warning(
        "Still taking in what the broker kept for subscription " + subscription + " after " + resendMillis + " ms ("
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
