package io.herald.transport.sse;

import io.herald.bus.Envelope;
import io.herald.bus.Signal;
import io.herald.transport.Connection;
import io.herald.transport.Transport;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * One SSE stream. Events wait in a bounded queue and are written by a shared writer pool, one
 * drain at a time per connection, so the bus thread never touches a socket. A full queue means the
 * client stopped reading: the stream is ended rather than allowed to hold anyone else up.
 */
final class SseConnection implements Connection {
  /** Why a stream ended; the label is a metric tag. */
  enum Reason {
    CLIENT_GONE("client_gone"),
    SLOW_CONSUMER("slow_consumer"),
    TOKEN_EXPIRED("token_expired"),
    SHUTDOWN("shutdown");

    final String label;

    Reason(String label) {
      this.label = label;
    }
  }

  private final String id;
  private final String userId;
  private final String tenant;
  private final String address;
  private final Set<String> channels;
  private final SseEventSink sink;
  private final Sse sse;
  private final Executor writers;
  private final ArrayBlockingQueue<OutboundSseEvent> queue;
  /**
   * The connected frame and the replay: written before anything in {@link #queue}, and not held
   * to its bound, as a replay may be longer than the queue allows live events to pile up.
   */
  private final ConcurrentLinkedQueue<OutboundSseEvent> first = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final BiConsumer<SseConnection, Reason> onClose;
  /** Queued last: when the writer reaches it, the stream ends (after what was queued before). */
  private final OutboundSseEvent end;
  private volatile Reason endReason;
  private volatile java.util.concurrent.Future<?> expiry;

  SseConnection(
      String id,
      String userId,
      String tenant,
      String address,
      Set<String> channels,
      SseEventSink sink,
      Sse sse,
      Executor writers,
      int queueSize,
      BiConsumer<SseConnection, Reason> onClose) {
    this.id = id;
    this.userId = userId;
    this.tenant = tenant;
    this.address = address;
    this.channels = Set.copyOf(channels);
    this.sink = sink;
    this.sse = sse;
    this.writers = writers;
    this.queue = new ArrayBlockingQueue<>(queueSize);
    this.onClose = onClose;
    this.end = sse.newEventBuilder().comment("end").build();
  }

  void expiresWith(java.util.concurrent.Future<?> expiry) {
    this.expiry = expiry;
  }

  /** Sends {@code last} after everything already queued, then ends the stream. */
  void finish(OutboundSseEvent last, Reason reason) {
    endReason = reason;
    enqueue(last);
    enqueue(end);
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String userId() {
    return userId;
  }

  String address() {
    return address;
  }

  @Override
  public String tenant() {
    return tenant;
  }

  @Override
  public Transport transport() {
    return Transport.SSE;
  }

  @Override
  public Set<String> channels() {
    return channels;
  }

  @Override
  public void deliver(Envelope envelope) {
    enqueue(frame(envelope, true));
  }

  /**
   * An event frame. Its SSE id is the stream's position; a latest value sent to a new subscriber
   * is older than where the stream stands, so it goes without one.
   */
  OutboundSseEvent frame(Envelope envelope, boolean withPosition) {
    OutboundSseEvent.Builder frame = sse.newEventBuilder();
    if (withPosition) {
      frame.id(envelope.id().toString());
    }
    return frame.name(envelope.event()).mediaType(MediaType.TEXT_PLAIN_TYPE).data(String.class, envelope.json()).build();
  }

  /** Queues frames ahead of every live one; called once, before the stream joins the fan-out. */
  void enqueueFirst(java.util.List<OutboundSseEvent> frames) {
    first.addAll(frames);
    scheduleDrain();
  }

  @Override
  public void signal(Signal signal) {
    enqueue(
        sse.newEventBuilder()
            .name(signal.kind().type())
            .mediaType(MediaType.TEXT_PLAIN_TYPE)
            .data(String.class, signal.json())
            .build());
  }

  /** Queues any frame (event, heartbeat); a full queue ends the stream as a slow consumer. */
  void enqueue(OutboundSseEvent frame) {
    if (closed.get()) {
      return;
    }
    if (!queue.offer(frame)) {
      close(Reason.SLOW_CONSUMER);
      return;
    }
    scheduleDrain();
  }

  private void scheduleDrain() {
    if (draining.compareAndSet(false, true)) {
      writers.execute(this::drain);
    }
  }

  private void drain() {
    OutboundSseEvent frame;
    while (!closed.get() && ((frame = first.poll()) != null || (frame = queue.poll()) != null)) {
      if (frame == end) {
        close(endReason);
        return;
      }
      CompletableFuture<?> written;
      try {
        written = sink.send(frame).toCompletableFuture();
      } catch (IllegalStateException e) {
        close(Reason.CLIENT_GONE); // the sink was closed under us
        return;
      }
      if (!written.isDone()) {
        // An asynchronous sink: carry on when this write is through, keeping one write in flight.
        written.whenComplete((ok, failure) -> afterWrite(failure, true));
        return;
      }
      if (written.isCompletedExceptionally()) {
        close(Reason.CLIENT_GONE);
        return;
      }
    }
    afterWrite(null, false);
  }

  private void afterWrite(Throwable failure, boolean resume) {
    if (failure != null) {
      close(Reason.CLIENT_GONE);
      return;
    }
    if (resume) {
      writers.execute(this::drain);
      return;
    }
    draining.set(false);
    // An event may have been queued between the last poll and the flag being cleared.
    if ((!queue.isEmpty() || !first.isEmpty()) && !closed.get()) {
      scheduleDrain();
    }
  }

  /** Ends the stream once; the socket is closed on a writer thread, never the caller's. */
  void close(Reason reason) {
    if (closed.compareAndSet(false, true)) {
      queue.clear();
      first.clear();
      java.util.concurrent.Future<?> pending = expiry;
      if (pending != null) {
        pending.cancel(false);
      }
      onClose.accept(this, reason);
      writers.execute(
          () -> {
            try {
              sink.close();
            } catch (RuntimeException e) {
              // already gone: nothing left to release
            }
          });
    }
  }
}
