package io.herald.distribution;

import io.herald.bus.Envelope;
import io.herald.bus.Signal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A broker for a single instance: publishing is receiving. Keeps the {@link Broker} guarantees
 * trivially (one instance, one order: the order of {@link #publish} calls).
 */
public class LocalBroker implements Broker {
  private volatile Receiver receiver;

  @Override
  public void start(Receiver receiver) {
    this.receiver = receiver;
  }

  @Override
  public CompletionStage<Void> publish(Envelope envelope) {
    receiver.event(envelope);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void signal(Signal signal) {
    receiver.signal(signal);
  }

  @Override
  public boolean connected() {
    return receiver != null;
  }
}
