package io.herald.transport.sse;

import io.herald.bus.Envelope;
import io.herald.bus.Signal;
import io.herald.security.ExpirySlot;
import io.herald.security.TokenLifetime;
import io.herald.transport.Connection;
import io.herald.transport.Outbox;
import io.herald.transport.Transport;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * One SSE stream. Events wait in a bounded queue and are written by a shared writer pool, one
 * drain at a time per connection, so the bus thread never touches a socket. A full queue means the
 * client stopped reading: the stream is ended rather than allowed to hold anyone else up.
 *
 * <p>The response head and the {@code connected} frame go through JAX-RS's {@link SseEventSink};
 * every frame after it is written as its ready-made bytes to the response's servlet stream, and a
 * drain writes everything queued before one flush. JAX-RS writes each event through its whole
 * entity pipeline (scopes, interceptors, writer lookup) and flushes it alone, which profiled at
 * about two thirds of the cost of a delivery (docs/performance.md); a stream that is behind now
 * catches up with one write for many frames.
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

  /** Queued last: when the writer reaches it, the stream ends (after what was queued before). */
  private static final SseFrame END = SseFrame.comment("end");

  private final String id;
  private final String userId;
  private final String tenant;
  private final String address;
  private final Set<String> channels;
  private final SseEventSink sink;
  private final SseResponse.Output out;
  private final Executor writers;
  private final Outbox<SseFrame> queue;
  /**
   * The replay and latest values: written before anything in {@link #queue}, and not held to its
   * bound, as a replay may be longer than the queue allows live events to pile up.
   */
  private final ConcurrentLinkedQueue<SseFrame> first = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final BiConsumer<SseConnection, Reason> onClose;
  /** The connected frame, written through the sink; nothing is written before it is through. */
  private volatile OutboundSseEvent opening;
  private volatile boolean opened;
  private volatile Reason endReason;
  private final ExpirySlot expiry = new ExpirySlot();

  SseConnection(
      String id,
      String userId,
      String tenant,
      String address,
      Set<String> channels,
      SseEventSink sink,
      SseResponse.Output output,
      Executor writers,
      int queueSize,
      BiConsumer<SseConnection, Reason> onClose) {
    this.id = id;
    this.userId = userId;
    this.tenant = tenant;
    this.address = address;
    this.channels = Set.copyOf(channels);
    this.sink = sink;
    this.out = output;
    this.writers = writers;
    this.queue = new Outbox<>(queueSize);
    this.onClose = onClose;
  }

  void expiresWith(TokenLifetime.Expiry expiry) {
    this.expiry.set(expiry);
  }

  /** Sends {@code last} after everything already queued, then ends the stream. */
  void finish(SseFrame last, Reason reason) {
    endReason = reason;
    enqueue(last);
    enqueue(END);
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
    enqueue(SseFrame.of(envelope, true));
  }

  /**
   * Starts the stream: {@code connected} (through the sink, which commits the response head),
   * then {@code frames} ahead of every live one; called once, before the stream joins the fan-out.
   */
  void start(OutboundSseEvent connected, List<SseFrame> frames) {
    first.addAll(frames);
    opening = connected;
    scheduleDrain();
  }

  @Override
  public void signal(Signal signal) {
    enqueue(SseFrame.named(signal.kind().type(), signal.json()));
  }

  /** Queues any frame (event, heartbeat); a full queue ends the stream as a slow consumer. */
  void enqueue(SseFrame frame) {
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
    if (closed.get()) {
      release();
      return;
    }
    if (!opened) {
      open();
      return;
    }
    List<byte[]> batch = new java.util.ArrayList<>();
    SseFrame frame;
    boolean end = false;
    while (!closed.get() && ((frame = first.poll()) != null || (frame = queue.poll()) != null)) {
      if (frame == END) {
        end = true;
        break;
      }
      batch.add(frame.bytes());
    }
    try {
      if (!batch.isEmpty() || end) {
        out.write(batch); // everything queued, one flush
      }
    } catch (IOException | RuntimeException e) {
      close(Reason.CLIENT_GONE); // the client went away, or the container closed the response
      release();
      return;
    }
    if (end) {
      close(endReason);
      release();
      return;
    }
    idle();
  }

  /**
   * Writes the connected frame through the sink; the drain goes on once it and the response head
   * are through. Before the resource method returns, the sink only queues the frame, and JAX-RS
   * writes the head and the frame after it returns: hence both.
   */
  private void open() {
    OutboundSseEvent connected = opening;
    if (connected == null) {
      idle(); // heartbeats may queue before the stream starts; they wait for it
      return;
    }
    try {
      sink.send(connected)
          .toCompletableFuture()
          .thenCombine(out.headWritten(), (sent, head) -> sent)
          .whenComplete(
              (ok, failure) -> {
                if (failure != null) {
                  close(Reason.CLIENT_GONE);
                } else {
                  opened = true;
                }
                writers.execute(this::drain);
              });
    } catch (IllegalStateException e) {
      close(Reason.CLIENT_GONE); // the sink was closed under us
      release();
    }
  }

  private void idle() {
    draining.set(false);
    // A frame (or the close) may have come between the last poll and the flag being cleared.
    boolean pending = closed.get() || (opened ? !queue.isEmpty() || !first.isEmpty() : opening != null);
    if (pending) {
      scheduleDrain();
    }
  }

  /**
   * Ends the stream once. The response is released by the drain, never beside a write in flight:
   * the servlet stream is not safe for two threads, and the caller may be the bus.
   */
  void close(Reason reason) {
    if (closed.compareAndSet(false, true)) {
      queue.clear();
      first.clear();
      expiry.close();
      onClose.accept(this, reason);
      if (opened) {
        scheduleDrain(); // the drain releases it, after any write in flight
      } else {
        // nothing is written directly before the stream opens: the sink, safe for any thread,
        // can go now (a head that never went through would otherwise hold the drain forever)
        writers.execute(this::release);
      }
    }
  }

  /** Completes the response; only a drain calls it, and the drain flag is never cleared after. */
  private void release() {
    try {
      sink.close();
    } catch (RuntimeException e) {
      // already gone: nothing left to release
    }
  }
}
