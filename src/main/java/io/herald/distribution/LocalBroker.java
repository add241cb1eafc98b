package io.herald.distribution;

import io.herald.bus.Envelope;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * A broker for a single instance: publishing is receiving. Keeps the {@link Broker} guarantees
 * trivially (one instance, one order: the order of {@link #publish} calls).
 */
@ApplicationScoped
public class LocalBroker implements Broker {
  private volatile Consumer<Envelope> receiver;

  @Override
  public void start(Consumer<Envelope> receiver) {
    this.receiver = receiver;
  }

  @Override
  public CompletionStage<Void> publish(Envelope envelope) {
    receiver.accept(envelope);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public boolean connected() {
    return receiver != null;
  }
}
