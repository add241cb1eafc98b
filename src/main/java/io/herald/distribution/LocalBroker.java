package io.herald.distribution;

import io.herald.bus.Broker;
import io.herald.bus.Envelope;
import io.herald.bus.Signal;
import io.herald.bus.PublishFailure;
import java.util.concurrent.CompletableFuture;

/**
 * A broker for a single instance: publishing is receiving. Keeps the {@link Broker} guarantees
 * trivially (one instance, one order: the order of {@link #publish} calls).
 */
public class LocalBroker implements Broker {
  private Receiver receiver;
  private boolean receiving;

  @Override
  public synchronized void start(Receiver receiver) {
    this.receiver = receiver;
    receiving = true;
  }

  /** Publishing is receiving: never waits (the caller may be an HTTP thread), refused when the bus is full. */
  @Override
  public synchronized CompletableFuture<Void> publish(Envelope envelope) {
    if (!receiving) {
      return CompletableFuture.failedFuture(new PublishFailure(PublishFailure.Kind.STOPPING));
    }
    if (!receiver.offer(envelope)) {
      return CompletableFuture.failedFuture(new PublishFailure(PublishFailure.Kind.OVERLOADED));
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized void signal(Signal signal) {
    if (receiving) {
      receiver.signal(signal);
    }
  }

  @Override
  public synchronized void stopReceiving() {
    receiving = false;
  }

  @Override
  public void close() {
    stopReceiving();
  }

  @Override
  public synchronized boolean connected() {
    return receiving;
  }
}
