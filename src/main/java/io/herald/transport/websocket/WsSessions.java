package io.herald.transport.websocket;

import io.herald.observability.Traffic;
import io.herald.transport.Client;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.HeraldException;
import io.herald.api.Incident;
import io.herald.security.limits.ConnectionCounts;
import io.herald.security.Caller;
import io.herald.transport.ConnectionRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * The session tracker of the WebSocket transport: opens connections (or refuses them with 1008),
 * pings them and closes the silent ones, cleans up after every close, and on shutdown closes all
 * with 1001 so clients reconnect elsewhere.
 */
@ApplicationScoped
public class WsSessions {
  private static final Logger LOG = Logger.getLogger(WsSessions.class.getName());
  static final String CONNECTION = "herald.connection";
  private static final ByteBuffer PING = ByteBuffer.wrap(new byte[] {'h'});

  @Inject WsSettings settings;
  @Inject ConnectionRegistry registry;
  @Inject MetricRegistry metrics;
  @Inject Traffic traffic;
  @Inject io.herald.security.TokenLifetime lifetime;
  @Inject io.herald.security.limits.ConnectionCounts counts;
  @Inject io.herald.security.limits.Limits limits;

  @Resource ManagedThreadFactory threadFactory;
  @Inject io.herald.runtime.Timers scheduler;

  private final Map<String, WsConnection> open = new ConcurrentHashMap<>();
  private ScheduledExecutorService executor;
  private java.util.concurrent.ExecutorService senders;
  private ScheduledFuture<?> pinger;
  private Traffic.Writes writes;
  /** Pings spread over their period, a slice of the sessions each tick. */
  private io.herald.runtime.Rounds rounds;

  @PostConstruct
  void start() {
    // Sends are asynchronous; this pool only runs timers and close frames.
    executor = Executors.newScheduledThreadPool(4, threadFactory);
    writes = traffic.writes(io.herald.transport.Transport.WEBSOCKET);
    // Frames are handed to the container by these, never by the bus thread: one thread handing a
    // fan-out's frames over one connection after another caps it at one core, and a connection
    // whose frames wait here while the pool is busy has them batched into one (WsConnection).
    // Sends never block, so a thread per core is enough (herald.ws.sender-threads).
    int threads = settings.senderThreads();
    senders =
        new java.util.concurrent.ThreadPoolExecutor(
            threads, threads, 30, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), threadFactory);
    rounds = new io.herald.runtime.Rounds(settings.pingMillis());
    long every = rounds.tickMillis();
    pinger = scheduler.scheduleAtFixedRate(this::ping, every, every, TimeUnit.MILLISECONDS);
  }

  @PreDestroy
  void stop() {
    pinger.cancel(false);
    open.values().forEach(c -> c.close(CloseCodes.GOING_AWAY, "server shutting down; reconnect", "shutdown"));
    executor.shutdown();
    senders.shutdown();
  }

  /** A handshake completed: either a connection, or an immediate 1008 for a refused token. */
  void open(Session session) {
    Object refusal = session.getUserProperties().get(HandshakeConfigurator.REFUSAL);
    Object caller = session.getUserProperties().get(HandshakeConfigurator.CALLER);
    if (!(caller instanceof Caller verified)) {
      String why = refusal instanceof HeraldException e ? e.code() + ": " + e.getMessage() : "NOT_AUTHENTICATED";
      String reason = (refusal instanceof HeraldException e ? e.code().name() : "NOT_AUTHENTICATED").toLowerCase(java.util.Locale.ROOT);
      metrics.counter("herald.connections.refused", new Tag("transport", "websocket"), new Tag("reason", reason)).inc();
      metrics.counter("herald.auth.failures", new Tag("entry", "websocket"), new Tag("reason", reason)).inc();
      refuse(session, CloseCodes.reason(CloseCodes.POLICY_VIOLATION, why));
      return;
    }
    Object address = session.getUserProperties().get(HandshakeConfigurator.ADDRESS);
    ConnectionCounts.Slot slot;
    try {
      slot = counts.admit(verified.tenant(), verified.subject(), address == null ? null : address.toString());
    } catch (HeraldException e) {
      metrics.counter("herald.connections.refused", new Tag("transport", "websocket"), new Tag("reason", "too_many_connections")).inc();
      refuse(session, CloseCodes.reason(CloseCodes.TOO_MANY_CONNECTIONS, e.code() + ": " + e.getMessage()));
      return;
    }
    WsConnection connection = null;
    try {
      session.setMaxTextMessageBufferSize(settings.maxMessageBytes());
      session.setMaxBinaryMessageBufferSize(settings.maxMessageBytes());
      connection =
          new WsConnection(
              UUID.randomUUID().toString(),
              verified,
              session,
              settings.queueSize(),
              settings.maxBatchChars(),
              senders,
              executor,
              settings.closeGraceMillis(),
              slot,
              new io.herald.transport.MessageRates(limits.messageBucket(), limits.presenceBucket(), limits.refusalBucket()),
              writes,
              this::closed);
      Object userAgent = session.getUserProperties().get(HandshakeConfigurator.USER_AGENT);
      start(session, connection, verified, new Client(address == null ? null : address.toString(), userAgent == null ? null : userAgent.toString()));
    } catch (RuntimeException e) {
      String id = Incident.log(LOG, Level.SEVERE, "Opening a WebSocket failed", e);
      if (connection != null) {
        connection.close(CloseCodes.INTERNAL_ERROR, "internal error; correlationId " + id, "error");
      } else {
        slot.release();
        refuse(session, CloseCodes.reason(CloseCodes.INTERNAL_ERROR, "internal error; correlationId " + id));
      }
    }
  }

  private void start(Session session, WsConnection connection, Caller verified, Client client) {
    session.getUserProperties().put(CONNECTION, connection);
    renew(connection, verified);
    open.put(connection.id(), connection);
    registry.open(connection, client);
    connection.send(
        JSON.createObjectBuilder()
            .add("type", "connected")
            .add("connectionId", connection.id())
            .add("userId", verified.subject())
            .build()
            .toString());
  }

  /** Gives the connection this caller's token and ends it with 4001 when that token expires. */
  void renew(WsConnection connection, Caller caller) {
    connection.renew(
        caller,
        lifetime.schedule(
            caller.expiresAt(),
            () -> connection.close(CloseCodes.TOKEN_EXPIRED, "token expired", "token_expired")));
  }

  static WsConnection of(Session session) {
    return (WsConnection) session.getUserProperties().get(CONNECTION);
  }

  /**
   * A failure Herald did not expect while serving a connection: logged with a correlation id,
   * which the close reason carries, and the connection closed with 1011.
   */
  void failed(WsConnection connection, Throwable failure) {
    String id = Incident.log(LOG, Level.SEVERE, "WebSocket connection " + connection.id() + " failed", failure);
    connection.close(CloseCodes.INTERNAL_ERROR, "internal error; correlationId " + id, "error");
  }

  /**
   * The container reports an error on a session. A broken or closed socket (an I/O error, a
   * message over the size limit) is closed by the container itself and cleaned up in
   * {@link #closedByPeer}; anything else is a failure of Herald's.
   */
  void error(Session session, Throwable failure) {
    WsConnection connection = of(session);
    if (connection == null || isIo(failure) || tooBig(failure)) {
      return;
    }
    failed(connection, failure);
  }

  /**
   * Tyrus reports a message over {@code herald.ws.max-message-bytes} as an error of its own type,
   * then closes with 1009 itself; the standard API has no type for it.
   */
  private static boolean tooBig(Throwable failure) {
    return failure.getClass().getSimpleName().equals("MessageTooBigException");
  }

  private static boolean isIo(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  /** The peer closed, or the socket failed: clean up without writing. */
  void closedByPeer(Session session, CloseReason reason) {
    WsConnection connection = of(session);
    if (connection != null) {
      connection.closedByPeer(reason != null && reason.getCloseCode().getCode() == CloseCodes.TOO_BIG ? "too_big" : "client_gone");
    }
  }

  private void closed(WsConnection connection, int code, String label) {
    open.remove(connection.id());
    registry.close(connection, label);
    connection.slot().release();
  }

  /**
   * Every ping period, for each session (a slice of them each tick): a ping, or a close if silent,
   * or if a frame has waited for the client longer than {@code herald.ws.write-stall-ms}.
   */
  private void ping() {
    long silentFor = TimeUnit.MILLISECONDS.toNanos(2 * settings.pingMillis());
    long stall = TimeUnit.MILLISECONDS.toNanos(settings.writeStallMillis());
    java.util.List<WsConnection> stalled = new java.util.ArrayList<>();
    long now = System.nanoTime();
    io.herald.runtime.Rounds.Turn turn = rounds.next();
    java.util.List<WsConnection> silent = new java.util.ArrayList<>();
    java.util.List<WsConnection> failed = new java.util.ArrayList<>();
    Thread thread = Thread.currentThread();
    ClassLoader context = thread.getContextClassLoader();
    // as for frames (WsConnection.pump): Tyrus re-arms its idle timer on a ping too, and the
    // container's context capture scans every jar of the thread's class loader; this one has none.
    // Only the pings run under it: closes (metrics, audit) run under the application's.
    thread.setContextClassLoader(WsConnection.LEAN_CONTEXT);
    try {
      for (WsConnection connection : open.values()) {
        if (!turn.includes(connection.id())) {
          continue;
        }
        if (now - connection.lastSeenNanos() > silentFor) {
          silent.add(connection);
          continue;
        }
        if (connection.stalledNanos(now) > stall) {
          stalled.add(connection);
          continue;
        }
        try {
          connection.session().getAsyncRemote().sendPing(PING.duplicate());
        } catch (IOException | RuntimeException e) {
          failed.add(connection);
        }
      }
    } finally {
      thread.setContextClassLoader(context);
    }
    silent.forEach(c -> c.close(CloseCodes.NO_PONG, "no pong within two ping intervals", "no_pong"));
    failed.forEach(c -> c.close(CloseCodes.GOING_AWAY, "ping failed", "client_gone"));
    stalled.forEach(c -> c.close(CloseCodes.SLOW_CONSUMER, "slow consumer", "slow_consumer"));
  }

  /**
   * Closes a socket that must not stay open. Not from inside {@code @OnOpen}, nor before the
   * handshake's answer has gone out ({@link HandshakeFilter}): there the servlet upgrade is still
   * completing, and a close raced with it is lost (the socket hung) or overtakes the 101 answer
   * (seen on Payara under load). The filter's chain returns before the container has finished
   * the response, so the close waits a further 200 ms (20 ms still let a close overtake the answer
   * once in a full suite on two busy cores; a refused client only hears of it a moment later).
   * Nothing is read from it meanwhile: it has no connection, so its messages are ignored. A second
   * attempt covers a close that did not take.
   */
  private void refuse(Session session, CloseReason reason) {
    Runnable close = () -> {
      if (session.isOpen()) {
        closeQuietly(session, reason);
      }
    };
    Object answered = session.getUserProperties().get(HandshakeConfigurator.ANSWERED);
    CompletableFuture<?> handshake = answered instanceof CompletableFuture<?> f ? f : CompletableFuture.completedFuture(null);
    handshake.thenRun(
        () -> {
          executor.schedule(close, 200, TimeUnit.MILLISECONDS);
          executor.schedule(close, 2, TimeUnit.SECONDS);
        });
  }

  private static void closeQuietly(Session session, CloseReason reason) {
    try {
      session.close(reason);
    } catch (IOException e) {
      // already gone
    }
  }
}
