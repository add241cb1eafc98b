package io.herald.transport.sse;

import io.herald.observability.Traffic;

import io.herald.bus.Envelope;
import io.herald.security.ExpirySlot;
import io.herald.security.TokenLifetime;
import io.herald.security.limits.ConnectionCounts;
import io.herald.security.Caller;
import io.herald.transport.Connection;
import io.herald.transport.MessageRates;
import io.herald.transport.Outbox;
import io.herald.transport.TokenSubscriptions;
import io.herald.transport.Transport;
import jakarta.servlet.WriteListener;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * One SSE stream. Events wait in a bounded queue and are written by a shared writer pool, one
 * drain at a time per connection, so the bus thread never touches a socket.
 *
 * <p>Writes never block: after the response head, the stream uses the Servlet non-blocking output
 * ({@link WriteListener}). A drain writes only while the container says the stream is ready, one
 * write (a batch of frames) per "ready"; when it is not, the drain stops and the container's
 * {@code onWritePossible} resumes it later, so a client that stops reading holds no thread, only
 * its queued frames and the container's buffer. It is cut as a slow consumer when its queue fills,
 * or when it has not been writable for {@code herald.sse.write-stall-ms}.
 *
 * <p>The response head and the {@code connected} frame go through JAX-RS's {@link SseEventSink};
 * every frame after it is written as its ready-made bytes to the response's servlet stream: JAX-RS
 * writes each event through its whole entity pipeline and flushes it alone, which profiled at
 * about two thirds of the cost of a delivery (docs/performance.md).
 */
final class SseConnection implements Connection {
  /** Queued last: when the writer reaches it, the stream ends (after what was queued before). */
  private static final SseFrame END = SseFrame.comment("end");
  /** As its page asked: every frame unnamed ({@code format=messages}), heartbeats as events or not. */
  private final SseForm form;

  private final String id;
  private final Caller caller;
  private final MessageRates rates;
  private final ConnectionCounts.Slot slot;
  private final Set<String> channels;
  /** Those of its channels a subscription token opened: each ends when its token expires. */
  private final TokenSubscriptions tokenSubscriptions = new TokenSubscriptions();
  private final SseEventSink sink;
  private final SseResponse.Output out;
  private final Executor writers;
  /** The replay and latest values ahead, then live frames: one bound for both. */
  private final Outbox<SseFrame> queue;
  /** Held by the one drain that may touch the stream; kept while it waits for the container. */
  private final AtomicBoolean draining = new AtomicBoolean();
  /** Set while the drain waits for {@code onWritePossible}; whoever clears it resumes the drain. */
  private final AtomicBoolean waiting = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final BiConsumer<SseConnection, EndReason> onClose;
  /** The connected frame, written through the sink; nothing is written before it is through. */
  private volatile OutboundSseEvent opening;
  private volatile boolean opened;
  private boolean listening;
  /** Since when (nanos) the stream has not been writable; 0 while it is. */
  private volatile long stalledSince;
  private volatile EndReason endReason;
  private final ExpirySlot expiry = new ExpirySlot();
  private final Traffic.Writes writes;

  SseConnection(
      String id,
      Caller caller,
      MessageRates rates,
      ConnectionCounts.Slot slot,
      Set<String> channels,
      SseEventSink sink,
      SseResponse.Output output,
      Executor writers,
      int queueSize,
      SseForm form,
      Traffic.Writes writes,
      BiConsumer<SseConnection, EndReason> onClose) {
    this.form = form;
    this.writes = writes;
    this.id = id;
    this.caller = caller;
    this.rates = rates;
    this.slot = slot;
    this.channels = java.util.concurrent.ConcurrentHashMap.newKeySet();
    this.channels.addAll(channels);
    this.sink = sink;
    this.out = output;
    this.writers = writers;
    this.queue = new Outbox<>(queueSize);
    this.onClose = onClose;
  }

  void expiresWith(TokenLifetime.Expiry expiry) {
    this.expiry.set(expiry);
  }

  TokenSubscriptions tokenSubscriptions() {
    return tokenSubscriptions;
  }

  /**
   * One channel's subscription ended without the client asking (its subscription token expired):
   * the client is told, with {@code notice}, after what was queued before; if no channel is left
   * the stream ends. The caller has taken it out of the fan-out.
   */
  void endSubscription(String channel, String notice) {
    if (!channels.remove(channel)) {
      return;
    }
    tokenSubscriptions.remove(channel);
    SseFrame frame = frame("unsubscribed", notice);
    if (channels.isEmpty()) {
      finish(frame, EndReason.TOKEN_EXPIRED);
    } else {
      enqueue(frame);
    }
  }

  @Override
  public void restart(long retryMillis) {
    String json = "{\"type\":\"reconnect\",\"retryMs\":" + retryMillis + "}";
    finish(SseFrame.withRetry(retryMillis, frame("reconnect", json)), EndReason.SHUTDOWN);
  }

  @Override
  public void disconnect(String reason) {
    // what waits goes unsent (the client resumes from its last event if it is let back in): the
    // notice must fit even in a full queue, or the client took it for a drop and came back
    queue.clear();
    finish(frame("disconnected", Connection.disconnected(reason)), EndReason.ADMIN);
  }

  /** Sends {@code last} after everything already queued, then ends the stream. */
  void finish(SseFrame last, EndReason reason) {
    endReason = reason;
    enqueue(last);
    enqueue(END);
  }

  @Override
  public String id() {
    return id;
  }

  /** Its place among the connections of its user and address. */
  ConnectionCounts.Slot slot() {
    return slot;
  }

  @Override
  public Caller caller() {
    return caller;
  }

  /** The rates of the messages its client posts over HTTP (docs/protocol.md). */
  @Override
  public MessageRates rates() {
    return rates;
  }

  @Override
  public int queued() {
    return queue.size();
  }

  @Override
  public boolean isClosed() {
    return closed.get();
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
    enqueue(messages() ? SseFrame.liveMessage(envelope) : SseFrame.live(envelope));
  }

  /** Frames that fit in this stream's queue now (a replay must, or be cut to gaps). */
  int room() {
    return queue.room();
  }

  /**
   * Starts the stream: {@code connected} (through the sink, which commits the response head),
   * then {@code frames} ahead of every live one; called once, before the stream joins the fan-out.
   */
  void start(OutboundSseEvent connected, List<SseFrame> frames) {
    if (!queue.offerAhead(frames)) {
      close(EndReason.SLOW_CONSUMER);
      return;
    }
    opening = connected;
    scheduleDrain();
  }

  @Override
  public void signal(String type, String json) {
    enqueue(frame(type, json));
  }

  /** A named frame of this stream's form; {@code json} names its type too. */
  SseFrame frame(String name, String json) {
    return messages() ? SseFrame.message(json) : SseFrame.named(name, json);
  }

  /** An event's frame of this stream's form. */
  SseFrame frame(Envelope envelope, boolean withPosition) {
    return messages() ? SseFrame.messageOf(envelope, withPosition) : SseFrame.of(envelope, withPosition);
  }

  boolean messages() {
    return form == SseForm.MESSAGES;
  }

  /** Queues any frame (event, heartbeat); a full queue ends the stream as a slow consumer. */
  void enqueue(SseFrame frame) {
    if (offer(frame)) {
      scheduleDrain();
    }
  }

  /**
   * Queues a heartbeat and, unless a drain is under way, writes it from this thread (the heartbeat
   * clock's): writes never block, and handing each of 10,000 heartbeats to a writer thread cost
   * about as much again as the writes themselves (docs/performance.md).
   */
  void beat() {
    if (offer(form.heartbeat()) && draining.compareAndSet(false, true)) {
      drain();
    }
  }

  /** Queues a frame unless the stream is over; a full queue ends it as a slow consumer. */
  private boolean offer(SseFrame frame) {
    if (closed.get()) {
      return false;
    }
    if (!queue.offer(frame)) {
      close(EndReason.SLOW_CONSUMER);
      return false;
    }
    return true;
  }

  /** How long the stream has not been writable, in nanoseconds; 0 if it is. */
  long stalledNanos(long now) {
    long since = stalledSince;
    return since == 0 ? 0 : now - since;
  }

  private void scheduleDrain() {
    if (draining.compareAndSet(false, true)) {
      writers.execute(this::drain);
    }
  }

  /** Runs only while holding {@link #draining}: the one thread that may touch the stream. */
  private void drain() {
    if (closed.get()) {
      release();
      return;
    }
    if (!opened) {
      open();
      return;
    }
    if (!listening) {
      listening = true;
      // From here on writes are non-blocking. The container may call onWritePossible at once,
      // on this thread: it finds nothing waiting, and this drain goes on.
      out.listen(new Writable());
    }
    while (true) {
      if (closed.get()) {
        release();
        return;
      }
      if (stalledSince == 0) {
        stalledSince = System.nanoTime();
      }
      waiting.set(true); // before asking: the container may answer on another thread at once
      boolean ready;
      try {
        ready = out.isReady();
      } catch (RuntimeException e) {
        ready = false;
        waiting.set(false);
        close(EndReason.CLIENT_GONE);
        continue;
      }
      if (!ready) {
        return; // onWritePossible (or a close) takes it from here; the drain stays held
      }
      waiting.set(false);
      stalledSince = 0;
      SseBatch batch = SseBatch.take(queue, END, writes);
      if (batch.bytes().length == 0 && !batch.end()) {
        idle();
        return;
      }
      try {
        if (batch.bytes().length > 0) {
          out.write(batch.bytes()); // one write per "ready": it never blocks
        }
      } catch (java.io.IOException | RuntimeException e) {
        close(EndReason.CLIENT_GONE); // the client went away, or the container closed the response
        continue;
      }
      if (batch.end()) {
        close(endReason);
        // the close found the drain held: release it here, after the frames before the end
      }
    }
  }

  /** The container's word that the stream takes writes again, or that it failed. */
  private final class Writable implements WriteListener {
    @Override
    public void onWritePossible() {
      resume();
    }

    @Override
    public void onError(Throwable failure) {
      close(EndReason.CLIENT_GONE);
    }
  }

  /** Hands the waiting drain on to a writer thread; never blocks or throws (a container callback). */
  private void resume() {
    if (waiting.compareAndSet(true, false)) {
      try {
        writers.execute(this::drain);
      } catch (RuntimeException e) {
        closed.set(true); // no writer can take it: the stream is over
        release();
      }
    }
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
                  close(EndReason.CLIENT_GONE);
                } else {
                  opened = true;
                }
                writers.execute(this::drain);
              });
    } catch (IllegalStateException e) {
      close(EndReason.CLIENT_GONE); // the sink was closed under us
      release();
    }
  }

  private void idle() {
    draining.set(false);
    // A frame (or the close) may have come between the last poll and the flag being cleared.
    boolean pending = closed.get() || (opened ? !queue.isEmpty() : opening != null);
    if (pending) {
      scheduleDrain();
    }
  }

  /**
   * Ends the stream once. The response is released by the drain, never beside a write in flight;
   * a drain waiting for the container is resumed to do it.
   */
  void close(EndReason reason) {
    if (closed.compareAndSet(false, true)) {
      queue.clear();
      expiry.close();
      tokenSubscriptions.close();
      onClose.accept(this, reason);
      if (opened) {
        if (waiting.compareAndSet(true, false)) {
          writers.execute(this::drain); // the held drain waits for a call that may never come
        } else {
          scheduleDrain(); // the drain releases it, after any write in flight
        }
      } else {
        // nothing is written directly before the stream opens: the sink, safe for any thread,
        // can go now (a head that never went through would otherwise hold the drain forever)
        writers.execute(this::release);
      }
    }
  }

  /**
   * Completes the response. Without blocking: the last write came after a "ready", and the
   * container queues the end of the body behind whatever the client has not read yet.
   */
  private void release() {
    try {
      sink.close();
    } catch (RuntimeException e) {
      // already gone: nothing left to release
    }
  }
}
