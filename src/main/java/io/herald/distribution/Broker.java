package io.herald.distribution;

import io.herald.bus.Envelope;
import io.herald.bus.Signal;
import java.util.concurrent.CompletionStage;

/**
 * Carries events between Herald instances.
 *
 * <p>Guarantees every implementation keeps:
 *
 * <ul>
 *   <li><b>Delivery:</b> an event whose {@link #publish} completed normally is handed to the
 *       receiver of every running instance, this one included, exactly once per instance. An
 *       instance never gets its own event twice (no separate local shortcut plus the remote copy).
 *   <li><b>Order:</b> all instances receive all events in one order (the broker's), so two events
 *       on one channel arrive everywhere in the same relative order. Events from one publisher
 *       arrive in the order it published them.
 *   <li><b>Failure:</b> {@link #publish} completes exceptionally (never hangs unbounded) when the
 *       event could not be accepted; the caller decides what to answer.
 *   <li><b>Signals</b> ({@link #signal}: typing, presence) are ephemeral: at most once, in order
 *       per sender, dropped rather than queued when the broker is unreachable.
 * </ul>
 */
public interface Broker {
  /** Begins receiving; everything received from now on goes to {@code receiver}, in order. */
  void start(Receiver receiver);

  /** Hands an event to every instance. Completes when the broker has accepted it. */
  CompletionStage<Void> publish(Envelope envelope);

  /** Hands an ephemeral signal to every instance, best effort. */
  void signal(Signal signal);

  /** Whether events can be published and received right now (readiness). */
  boolean connected();

  /** Where a broker delivers what it receives; called on one thread, in broker order. */
  interface Receiver {
    void event(Envelope envelope);

    void signal(Signal signal);
  }
}
