package io.herald.distribution;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
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

  private final String subscription;
  /** The barrier of the current connection until it comes back; null when there is none to wait for. */
  private volatile String awaited;
  private volatile boolean current;
  private volatile long connectedAt;
  /** Messages taken while waiting for the barrier (the consumer's thread only). */
  private long taken;

  CatchUp(String subscription) {
    this.subscription = subscription;
  }

  /** Whether the instance is behind: never current yet, or waiting for its barrier. */
  boolean behind() {
    return !current || awaited != null;
  }

  /** A new connection: the barrier to send behind its backlog. */
  String connected() {
    String token = subscription + ':' + UUID.randomUUID();
    connectedAt = System.nanoTime();
    awaited = token;
    return token;
  }

  /** The connection is gone: a barrier of it still on its way means nothing any more. */
  void lost() {
    awaited = null;
  }

  /** A message of the subscription was taken (counted while catching up, for the log). */
  void took() {
    if (awaited != null) {
      taken++;
    }
  }

  /** Whether a barrier is the one this instance waits for (other instances' are skipped). */
  boolean awaits(String token) {
    return token.equals(awaited);
  }

  /** The barrier has gone through the bus: everything before it is delivered and in the history. */
  void reached(String token) {
    if (!token.equals(awaited)) {
      return; // a newer connection sent a newer one
    }
    awaited = null;
    current = true;
    LOG.info(
        "Caught up with subscription " + subscription + ": " + taken + " messages kept by the broker taken in "
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - connectedAt) + " ms");
    taken = 0;
  }
}
