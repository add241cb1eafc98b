package io.herald.distribution;

import io.herald.bus.Envelope;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

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
 * </ul>
 */
public interface Broker {
  /** Begins receiving; every event received from now on goes to {@code receiver}, in order. */
  void start(Consumer<Envelope> receiver);

  /** Hands an event to every instance. Completes when the broker has accepted it. */
  CompletionStage<Void> publish(Envelope envelope);

  /** Whether events can be published and received right now (readiness). */
  boolean connected();
}
