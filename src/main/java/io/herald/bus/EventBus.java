package io.herald.bus;

import io.herald.observability.Traffic;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.NotificationOptions;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * The internal bus. {@link #publish} hands an event to distribution; whatever distribution
 * receives (this instance's events and everyone else's) comes back through the broker's
 * {@link Broker.Receiver} and is fired as an asynchronous CDI event for the transports to observe.
 *
 * <p>Delivery runs on one ordered thread: plain {@code fireAsync} uses a pool and would reorder
 * events, and per-channel order is a promise of the protocol. Its backlog is bounded
 * ({@code herald.bus.queue-size}): when it is full the broker's consumer waits (the backlog stays
 * in the broker) and publishers are answered 503 with {@code Retry-After}.
 */
@ApplicationScoped
public class EventBus {
  private static final Logger LOG = Logger.getLogger(EventBus.class.getName());

  @Inject Event<Envelope> events;
  @Inject Event<Signal> signals;
  @Inject Broker broker;
  @Inject InstanceIdentity instance;
  @Inject BusSettings settings;
  @Inject MetricRegistry metrics;
  @Inject Traffic traffic;

  @Resource ManagedThreadFactory threadFactory;

  private OrderedDispatch dispatch;
  private NotificationOptions inOrder;
  private EventIdGenerator ids;
  private EventIdGenerator ingressIds;
  private IdempotencyKeys keys;
  private volatile boolean stopping;

  @PostConstruct
  void start() {
    dispatch = new OrderedDispatch(settings.queueSize(), threadFactory);
    inOrder = NotificationOptions.ofExecutor(dispatch);
    ids = new EventIdGenerator(instance.id(), Clock.systemUTC());
    // Events from other systems get ids of their own origin: they reach the topic from another
    // session than this instance's publishes, so the two do not share one order.
    ingressIds = new EventIdGenerator(instance.id() + ".in", Clock.systemUTC());
    keys = new IdempotencyKeys(settings.idempotencyWindowMillis(), settings.idempotencyMaxKeys(), Clock.systemUTC());
    metrics.gauge("herald.bus.queue.depth", dispatch, OrderedDispatch::depth);
    metrics.gauge("herald.bus.queue.capacity", dispatch, OrderedDispatch::capacity);
    metrics.gauge("herald.bus.backpressure.waits", dispatch, OrderedDispatch::waits);
    metrics.gauge("herald.broker.connected", this, bus -> bus.connected() ? 1 : 0);
    metrics.gauge("herald.broker.behind", this, bus -> bus.behind() ? 1 : 0);
    broker.start(new Receiver());
  }

  /**
   * Starts distribution with the application rather than on the first request, after the checks
   * that can stop a deployment (they observe at LIBRARY_BEFORE): a deployment that fails never
   * starts the broker, whose threads and port nothing would stop on a server that lives on
   * (Payara Server keeps its JVM; the next deploy found the port taken).
   */
  void boot(@Observes @Initialized(ApplicationScoped.class) Object context) {
    // the call itself is the point: it makes the container create this bean now
    instance.id();
  }

  /**
   * Stops in the order that loses nothing: no more from the broker (what it still holds waits
   * there for this instance, or for the next), then everything already taken is delivered, then
   * the broker is left (by the container, disposing of it after this).
   */
  @PreDestroy
  void stop() {
    stopping = true;
    broker.stopReceiving();
    try {
      if (!dispatch.drainAndStop(10_000)) {
        LOG.warning("The bus did not drain within 10 s; " + dispatch.depth() + " items were not delivered");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Events waiting for the bus's ordered thread, and its bound (readiness). */
  public int depth() {
    return dispatch.depth();
  }

  public int capacity() {
    return dispatch.capacity();
  }

  /** Whether distribution can publish and receive right now (readiness). */
  public boolean connected() {
    return broker.connected();
  }

  /** Whether this instance has yet to take in what the broker kept for it ({@link Broker#behind}). */
  public boolean behind() {
    return broker.behind();
  }

  /**
   * Sends an event to every subscriber on every instance. Completes with the envelope (its id
   * assigned) once distribution has accepted it, or fails with a {@link PublishFailure}. A
   * draft whose idempotency key was used within the window completes at once, sending nothing;
   * one whose key is on its way from this instance waits for that send, and is sent itself if
   * that send failed.
   */
  public CompletionStage<Published> publish(Draft draft) {
    if (stopping) {
      return refused(PublishFailure.Kind.STOPPING);
    }
    if (dispatch.full()) {
      // the broker's consumer is already waiting for the bus: more would only pile up there
      return refused(PublishFailure.Kind.OVERLOADED);
    }
    String key = draft.idempotencyKey();
    Envelope envelope;
    CompletableFuture<Void> accepted;
    // One lock around id and hand-over: ids from this instance reach the broker in id order.
    synchronized (ids) {
      IdempotencyKeys.Use first = key == null ? null : keys.find(draft.tenant(), key);
      if (first != null && !first.inFlight()) {
        return CompletableFuture.completedFuture(new Published(envelope(first.id(), draft), true));
      }
      if (first != null) {
        return first
            .accepted()
            .handle((ok, failure) -> failure == null ? repeated(first.id(), draft) : publish(draft))
            .thenCompose(published -> published);
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
      accepted = broker.publish(envelope).orTimeout(settings.publishTimeoutMillis(), TimeUnit.MILLISECONDS);
      if (key != null) {
        keys.reserve(draft.tenant(), key, id, accepted);
        accepted.whenComplete(
            (ok, failure) -> {
              if (failure != null) {
                keys.release(draft.tenant(), key, id); // not used: the retry is a first again
              }
            });
      }
    }
    return accepted.handle(
        (ok, failure) -> {
          if (failure != null) {
            throw PublishFailure.of(failure);
          }
          return new Published(envelope, false);
        });
  }

  private CompletionStage<Published> refused(PublishFailure.Kind kind) {
    metrics.counter("herald.bus.refused", new Tag("kind", "publish")).inc();
    return CompletableFuture.failedFuture(new PublishFailure(kind));
  }

  private static CompletionStage<Published> repeated(EventId first, Draft draft) {
    return CompletableFuture.completedFuture(new Published(envelope(first, draft), true));
  }

  private static Envelope envelope(EventId id, Draft draft) {
    return new Envelope(
        id, draft.channel(), draft.event(), draft.data(), draft.publisher(), draft.tenant(), Instant.ofEpochMilli(id.millis()));
  }

  /** Sends an ephemeral signal (typing, presence) to every instance, this one included. */
  public void signal(Signal signal) {
    broker.signal(signal);
  }

  /**
   * Hands a signal to this instance's observers only, in bus order with everything received: for
   * what each instance works out by itself (presence's flush of coalesced updates, the members of
   * an instance that went silent). Dropped, like any signal, when the bus is full; false then.
   */
  public boolean local(Signal signal) {
    if (stopping || !dispatch.tryTake()) {
      return false;
    }
    fireSignal(signal);
    return true;
  }

  /** What distribution hands the bus, in broker order. */
  private final class Receiver implements Broker.Receiver {
    @Override
    public void event(Envelope envelope) {
      if (!admit(envelope)) {
        return;
      }
      // Waiting, not failing: a listener that throws makes the broker redeliver at once, and
      // after ten attempts dead-letter a valid message only because Herald was busy.
      awaitPlace("The bus has stopped; the event stays with the broker");
      fire(envelope);
    }

    @Override
    public boolean offer(Envelope envelope) {
      if (!dispatch.tryTake()) {
        return false;
      }
      if (admit(envelope)) {
        fire(envelope);
      } else {
        dispatch.done();
      }
      return true;
    }

    @Override
    public void signal(Signal signal) {
      // Signals share the ordered thread, so a typing stop never overtakes its start; ephemeral,
      // they are dropped rather than waited for when the bus is full.
      if (!dispatch.tryTake()) {
        metrics.counter("herald.bus.refused", new Tag("kind", "signal")).inc();
        return;
      }
      fireSignal(signal);
    }

    @Override
    public void barrier(Runnable reached) {
      awaitPlace("The bus has stopped");
      // the ordered thread runs it after every notification handed over before it
      try {
        dispatch.execute(
            () -> {
              try {
                reached.run();
              } finally {
                dispatch.done();
              }
            });
      } catch (RuntimeException stopped) {
        dispatch.done();
        throw new IllegalStateException("The bus has stopped", stopped);
      }
    }

    /** Waits for a place in the bus; throws, so that the broker keeps the message, if it has stopped. */
    private void awaitPlace(String stopped) {
      try {
        if (!dispatch.take()) {
          throw new IllegalStateException(stopped);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for the bus", e);
      }
    }

    @Override
    public EventId ingressId() {
      traffic.accepted(Traffic.Source.JMS); // asked once per producer message taken in
      return ingressIds.next();
    }
  }

  /**
   * Moves the clocks past a received id, and drops a repeat of an idempotency key, alike on every
   * instance, as all see the topic in one order. A dropped repeat is counted and logged.
   */
  private boolean admit(Envelope envelope) {
    ids.observe(envelope.id());
    ingressIds.observe(envelope.id());
    if (keys.admit(envelope)) {
      return true;
    }
    metrics.counter("herald.events.duplicates", new Tag("reason", "idempotency_key")).inc();
    LOG.info(
        "Dropped " + envelope.id() + " on " + envelope.channel() + ": idempotency key already used in tenant "
            + envelope.tenant());
    return false;
  }

  /** Hands an event that holds a place to the transports; the place is given back when they are done. */
  private void fire(Envelope envelope) {
    try {
      events.fireAsync(envelope, inOrder).whenComplete((ok, failure) -> finished(envelope, failure));
    } catch (RuntimeException e) {
      dispatch.done();
      throw e;
    }
  }

  /** Hands a signal that holds a place to the observers; the place is given back when they are done. */
  private void fireSignal(Signal signal) {
    try {
      signals.fireAsync(signal, inOrder).whenComplete((ok, failure) -> finished(signal, failure));
    } catch (RuntimeException e) {
      dispatch.done();
      throw e;
    }
  }

  private void finished(Object what, Throwable failure) {
    dispatch.done();
    if (failure != null) {
      LOG.log(Level.WARNING, "Delivery of " + what + " failed", failure);
    }
  }
}
