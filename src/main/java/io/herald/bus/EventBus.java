package io.herald.bus;

import io.herald.distribution.Broker;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.NotificationOptions;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The internal bus. {@link #publish} hands an event to distribution; whatever distribution
 * receives (this instance's events and everyone else's) comes back through {@link #deliver} and is
 * fired as an asynchronous CDI event for the transports to observe.
 *
 * <p>Delivery runs on one ordered thread: plain {@code fireAsync} uses a pool and would reorder
 * events, and per-channel order is a promise of the protocol.
 */
@ApplicationScoped
public class EventBus {
  private static final Logger LOG = Logger.getLogger(EventBus.class.getName());

  @Inject Event<Envelope> events;
  @Inject Event<Signal> signals;
  @Inject Broker broker;
  @Inject InstanceIdentity instance;
  @Inject BusSettings settings;

  @Resource ManagedThreadFactory threadFactory;

  private ExecutorService ordered;
  private NotificationOptions inOrder;
  private EventIdGenerator ids;
  private IdempotencyKeys keys;

  @PostConstruct
  void start() {
    ordered = Executors.newSingleThreadExecutor(threadFactory);
    inOrder = NotificationOptions.ofExecutor(ordered);
    ids = new EventIdGenerator(instance.id(), Clock.systemUTC());
    keys = new IdempotencyKeys(settings.idempotencyWindowMillis(), settings.idempotencyMaxKeys(), Clock.systemUTC());
    broker.start(
        new Broker.Receiver() {
          @Override
          public void event(Envelope envelope) {
            deliver(envelope);
          }

          @Override
          public void signal(Signal signal) {
            deliver(signal);
          }
        });
  }

  /** Starts distribution with the application rather than on the first request. */
  void boot(@Observes @Initialized(ApplicationScoped.class) Object context) {
    // the call itself is the point: it makes the container create this bean now
    instance.id();
  }

  @PreDestroy
  void stop() {
    ordered.shutdown();
  }

  /**
   * Sends an event to every subscriber on every instance. Completes with the envelope (its id
   * assigned) once distribution has accepted it; or at once, sending nothing, when the draft's
   * idempotency key was used within the window.
   */
  public CompletionStage<Published> publish(Draft draft) {
    Envelope envelope;
    CompletionStage<Void> accepted;
    // One lock around id and hand-over: ids from this instance reach the broker in id order.
    synchronized (ids) {
      String key = draft.idempotencyKey();
      EventId first = key == null ? null : keys.find(draft.tenant(), key);
      if (first != null) {
        return CompletableFuture.completedFuture(new Published(envelope(first, draft), true));
      }
      EventId id = ids.next();
      envelope =
          new Envelope(
              id,
              draft.channel(),
              draft.event(),
              draft.data(),
              draft.publisher(),
              draft.tenant(),
              Instant.ofEpochMilli(id.millis()),
              draft.excludedConnection(),
              key);
      if (key != null) {
        keys.reserve(draft.tenant(), key, id);
      }
      accepted = broker.publish(envelope);
    }
    return accepted.thenApply(ignored -> new Published(envelope, false));
  }

  private static Envelope envelope(EventId id, Draft draft) {
    return new Envelope(
        id, draft.channel(), draft.event(), draft.data(), draft.publisher(), draft.tenant(), Instant.ofEpochMilli(id.millis()));
  }

  /** Sends an ephemeral signal (typing) to the channel's subscribers on every instance. */
  public void signal(Signal signal) {
    broker.signal(signal);
  }

  /**
   * Fires a received event to this instance's transports, in the order received; a repeat of an
   * idempotency key is dropped here, alike on every instance, as all see the topic in one order.
   */
  void deliver(Envelope envelope) {
    ids.observe(envelope.id());
    if (!keys.admit(envelope)) {
      return;
    }
    events.fireAsync(envelope, inOrder).exceptionally(failure -> logFailure(envelope, failure));
  }

  /** Signals share the ordered executor, so a typing stop never overtakes its start. */
  void deliver(Signal signal) {
    signals.fireAsync(signal, inOrder).exceptionally(failure -> logFailure(signal, failure));
  }

  private static <T> T logFailure(Object what, Throwable failure) {
    LOG.log(Level.WARNING, "Delivery of " + what + " failed", failure);
    return null;
  }
}
