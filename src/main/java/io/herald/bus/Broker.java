package io.herald.bus;

import java.util.concurrent.CompletableFuture;

/**
 * Carries events between Herald instances; the bus's port to distribution (implementations live
 * in {@code io.herald.distribution}).
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
 *       event could not be accepted; the caller decides what to answer. A caller that gives up
 *       completes the future itself (a timeout): an event not yet sent by then is never sent.
 *   <li><b>Back-pressure:</b> what is received waits in the broker, not in this instance's heap,
 *       while the receiver is full ({@link Receiver#event} blocks); a message counts as taken
 *       only once the receiver has returned.
 *   <li><b>Signals</b> ({@link #signal}: typing, presence) are ephemeral: at most once, in order
 *       per sender, dropped rather than queued when the broker is unreachable or the bus is full.
 * </ul>
 */
public interface Broker {
  /** Begins receiving; everything received from now on goes to {@code receiver}, in order. */
  void start(Receiver receiver);

  /**
   * Hands an event to every instance. Completes when the broker has accepted it; fails at once
   * when it cannot (not connected, the send queue full).
   */
  CompletableFuture<Void> publish(Envelope envelope);

  /** Hands an ephemeral signal to every instance, best effort. */
  void signal(Signal signal);

  /** Whether events can be published and received right now (readiness). */
  boolean connected();

  /**
   * Whether this instance is behind the broker: it has not been connected since it started, or it
   * (re)connected and the backlog its subscription kept meanwhile has not all reached the
   * receiver yet. Readiness and new connections wait for it: a client that resumed here sooner
   * would be answered from an incomplete history and then get that backlog, events it may have
   * had already, as live ones (docs/jms.md). A broker with no backlog is never behind.
   */
  default boolean behind() {
    return false;
  }

  /**
   * Stops taking anything from the broker. When it returns the receiver is called no more, and
   * what was not yet taken stays with the broker. Publishing still works until {@link #close}.
   */
  void stopReceiving();

  /** Leaves the broker. */
  void close();

  /** Where a broker delivers what it receives; called on one thread, in broker order. */
  interface Receiver {
    /**
     * Takes the next event. Blocks while the bus is full, so that the backlog stays in the
     * broker; throws {@link IllegalStateException} if the bus stopped meanwhile (the event was
     * not taken and must stay with the broker).
     */
    void event(Envelope envelope);

    /** Takes the next event if the bus has room now; false (nothing taken) if it is full. */
    boolean offer(Envelope envelope);

    /** Takes a signal if the bus has room; dropped (and counted) if not. */
    void signal(Signal signal);

    /**
     * Runs {@code reached} once everything received before this call has been handed to the
     * observers (it is in the history). Waits for room like {@link #event}; throws
     * {@link IllegalStateException} if the bus stopped.
     */
    void barrier(Runnable reached);

    /**
     * The id for an event that enters from another system through this instance: unique, and
     * carried with the event so that every instance knows it by the same id.
     */
    EventId ingressId();
  }
}
