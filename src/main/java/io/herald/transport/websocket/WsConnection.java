package io.herald.transport.websocket;

import io.herald.observability.Traffic;

import io.herald.bus.Envelope;
import io.herald.security.Caller;
import io.herald.security.ExpirySlot;
import io.herald.security.TokenLifetime;
import io.herald.security.limits.ConnectionCounts;
import io.herald.transport.Connection;
import io.herald.transport.MessageRates;
import io.herald.transport.Outbox;
import io.herald.transport.TokenSubscriptions;
import io.herald.transport.Transport;
import jakarta.websocket.Session;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One WebSocket connection. Outgoing frames wait in a bounded queue and go out with asynchronous
 * sends, one in flight at a time, so neither the bus thread nor a pool thread waits on a socket.
 * A full queue means the client stopped reading: it is closed with {@link CloseCodes#SLOW_CONSUMER}.
 */
final class WsConnection implements Connection {
  /** Called once when the connection ends, with the close code and a metric label. */
  interface Closed {
    void closed(WsConnection connection, int code, String label);
  }

  static final ClassLoader LEAN_CONTEXT = ClassLoader.getPlatformClassLoader();

  private final String id;
  private volatile Caller caller;
  private final ExpirySlot expiry = new ExpirySlot();
  private final Session session;
  private final ScheduledExecutorService executor;
  /** Where frames are handed to the container: never the caller of {@link #send}. */
  private final java.util.concurrent.Executor senders;
  private final long closeGraceMillis;
  /** When the frame in flight was handed to the container (nanoTime), 0 while none is. */
  private volatile long sendingSince;
  private final ConnectionCounts.Slot slot;
  private final MessageRates rates;
  private final Closed onClose;
  private final Set<String> channels = ConcurrentHashMap.newKeySet();
  /** Those of its channels a subscription token opened: each ends when its token expires. */
  private final TokenSubscriptions tokenSubscriptions = new TokenSubscriptions();
  /** Text frames, and live events (their JSON is the frame) kept as such until written: timed then. */
  private final Outbox<Object> queue;
  private final Traffic.Writes writes;
  /** The most one batched frame carries; a single larger message still goes, alone. */
  private final int maxBatchChars;
  private final AtomicBoolean sending = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean closeSent = new AtomicBoolean();
  private volatile jakarta.websocket.CloseReason closeReason;
  private volatile long lastSeen = System.nanoTime();

  WsConnection(
      String id,
      Caller caller,
      Session session,
      int queueSize,
      int maxBatchChars,
      java.util.concurrent.Executor senders,
      ScheduledExecutorService executor,
      long closeGraceMillis,
      ConnectionCounts.Slot slot,
      MessageRates rates,
      Traffic.Writes writes,
      Closed onClose) {
    this.writes = writes;
    this.slot = slot;
    this.rates = rates;
    this.closeGraceMillis = closeGraceMillis;
    this.id = id;
    this.caller = caller;
    this.session = session;
    this.queue = new Outbox<>(queueSize);
    this.maxBatchChars = maxBatchChars;
    this.senders = senders;
    this.executor = executor;
    this.onClose = onClose;
  }

  @Override
  public String id() {
    return id;
  }

  /** Takes a fresh token's caller (same user and tenant) and its expiry; the old one is called off. */
  void renew(Caller renewed, TokenLifetime.Expiry newExpiry) {
    caller = renewed;
    expiry.set(newExpiry);
  }

  @Override
  public Caller caller() {
    return caller;
  }

  @Override
  public MessageRates rates() {
    return rates;
  }

  TokenSubscriptions tokenSubscriptions() {
    return tokenSubscriptions;
  }

  @Override
  public Transport transport() {
    return Transport.WEBSOCKET;
  }

  @Override
  public Set<String> channels() {
    return channels;
  }

  @Override
  public void deliver(Envelope envelope) {
    enqueue(envelope); // its shared serialization is already a {"type":"event",...} frame
  }

  @Override
  public void disconnect(String reason) {
    close(CloseCodes.DISCONNECTED, reason, "admin"); // the reason travels in the close frame
  }

  @Override
  public int queued() {
    return queue.size();
  }

  @Override
  public void signal(String type, String json) {
    send(json);
  }

  /**
   * Queues frames ahead of every live one (a subscribe's reply and replay), within the same bound
   * as live frames; if they do not fit the client is not reading, and is closed as a slow consumer.
   */
  void sendFirst(java.util.List<String> frames) {
    if (closed.get()) {
      return;
    }
    if (!queue.offerAhead(frames)) {
      close(CloseCodes.SLOW_CONSUMER, "slow consumer", "slow_consumer");
      return;
    }
    schedulePump();
  }

  /** How long the frame in flight has waited for the client, in nanoseconds; 0 if none is in flight. */
  long stalledNanos(long now) {
    long since = sendingSince;
    return since == 0 ? 0 : now - since;
  }

  /** How many more frames fit in this connection's queue now. */
  int room() {
    return queue.room();
  }

  private boolean hasQueued() {
    return !queue.isEmpty();
  }

  /** Queues a text frame; a full queue closes the connection as a slow consumer. */
  void send(String frame) {
    enqueue(frame);
  }

  private void enqueue(Object frame) {
    if (closed.get()) {
      return;
    }
    if (!queue.offer(frame)) {
      close(CloseCodes.SLOW_CONSUMER, "slow consumer", "slow_consumer");
      return;
    }
    schedulePump();
  }

  /** Hands the queue to a sender thread unless a send is already under way (it takes what is queued). */
  private void schedulePump() {
    if (!sending.get()) {
      senders.execute(this::pump);
    }
  }

  private void pump() {
    if (!sending.compareAndSet(false, true)) {
      return;
    }
    String frame = closed.get() ? null : nextFrame();
    if (frame == null) {
      sending.set(false);
      // a frame may have arrived between poll and the flag being cleared
      if (hasQueued() && !closed.get()) {
        pump();
      }
      return;
    }
    Thread thread = Thread.currentThread();
    ClassLoader context = thread.getContextClassLoader();
    // Tyrus re-arms its idle timer on every frame sent, as a task on the container's managed
    // executor, which captures the thread's context by asking its class loader for resources: a
    // scan of every jar of the application and the server. Under the platform class loader that
    // scan is short; it was most of the CPU of a fan-out (docs/performance.md).
    thread.setContextClassLoader(LEAN_CONTEXT);
    sendingSince = System.nanoTime();
    try {
      session.getAsyncRemote().sendText(frame, result -> {
        sendingSince = 0;
        sending.set(false);
        if (closed.get()) {
          sendClose(); // the write ahead of the close frame is through: now it can follow
        } else if (!result.isOK()) {
          close(CloseCodes.GOING_AWAY, "write failed", "client_gone");
        } else if (hasQueued()) {
          // hop to the pool: a send that completes inline must not recurse through the queue
          senders.execute(this::pump);
        }
      });
    } catch (RuntimeException e) {
      sendingSince = 0;
      sending.set(false);
      close(CloseCodes.GOING_AWAY, "write failed", "client_gone");
    } catch (Error e) {
      // the container could not even encode the frame: never leave the connection wedged
      sendingSince = 0;
      sending.set(false);
      String id = io.herald.api.Incident.log(java.util.logging.Logger.getLogger(WsConnection.class.getName()), java.util.logging.Level.SEVERE, "A frame could not be sent", e);
      close(CloseCodes.INTERNAL_ERROR, "internal error; correlationId " + id, "error");
    } finally {
      thread.setContextClassLoader(context);
    }
  }

  /**
   * The next frame: one message, or, when the connection is behind, every queued message that
   * fits {@link #maxBatchChars}, one per line (protocol.md). Each frame costs the container a
   * fixed amount of work whatever its size, so a connection that falls behind catches up by
   * taking more per frame instead of falling further behind.
   */
  private String nextFrame() {
    String message = pollMessage();
    if (message == null || maxBatchChars <= 0 || !hasQueued()) {
      return message;
    }
    StringBuilder batch = new StringBuilder(Math.min(maxBatchChars, message.length() * 8)).append(message);
    String next;
    while ((next = peekMessage()) != null && batch.length() + 1 + next.length() <= maxBatchChars) {
      batch.append('\n').append(pollMessage());
    }
    return batch.toString();
  }

  private String pollMessage() {
    Object item = queue.poll();
    if (item instanceof Envelope live) {
      writes.written(live.timestamp().toEpochMilli());
      return live.json();
    }
    return (String) item;
  }

  private String peekMessage() {
    Object item = queue.peek();
    return item instanceof Envelope live ? live.json() : (String) item;
  }

  /** Its place among the connections of its user and address. */
  ConnectionCounts.Slot slot() {
    return slot;
  }

  /** Proof of life: any message or pong from the client. */
  void touch() {
    lastSeen = System.nanoTime();
  }

  long lastSeenNanos() {
    return lastSeen;
  }

  Session session() {
    return session;
  }

  @Override
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Ends the connection once, with a close frame carrying {@code code}. The frame follows the
   * write in flight, if any: the container drops pending writes when it closes the socket, so a
   * slow client would otherwise see an abrupt end instead of the code. A client that takes longer
   * than the grace period to take that write gets the abrupt end. Never runs on the caller's
   * thread (the caller may be the bus).
   */
  @Override
  public void restart(long retryMillis) {
    close(CloseCodes.SERVICE_RESTART, "service restart; reconnect", "shutdown");
  }

  void close(int code, String phrase, String label) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    queue.clear();
    expiry.close();
    tokenSubscriptions.close();
    closeReason = CloseCodes.reason(code, phrase);
    onClose.closed(this, code, label);
    if (!sending.get()) {
      executor.execute(this::sendClose);
    } else {
      executor.schedule(this::sendClose, closeGraceMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void sendClose() {
    if (!closeSent.compareAndSet(false, true)) {
      return;
    }
    executor.execute(
        () -> {
          try {
            if (session.isOpen()) {
              session.close(closeReason);
            }
          } catch (IOException | RuntimeException e) {
            // the peer is gone already; nothing left to release
          }
        });
  }

  /** The client or the network closed it: forget it without writing anything. */
  void closedByPeer(String label) {
    if (closed.compareAndSet(false, true)) {
      queue.clear();
      expiry.close();
      tokenSubscriptions.close();
      onClose.closed(this, CloseCodes.NORMAL, label);
    }
  }
}
