package io.herald.transport.sse;

import static io.herald.api.JsonProviders.JSON;

import io.herald.bus.EventId;
import io.herald.history.Replay;
import io.herald.transport.ConnectionRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.ArrayList;
import io.herald.transport.TokenSubscriptions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * Opens and tracks SSE streams: the writer pool that drains every stream's queue, and the
 * heartbeat that keeps proxies from cutting idle streams and is also how a vanished client is
 * noticed (a write to it fails), since SSE gives no other close signal.
 */
@ApplicationScoped
public class SseStreams {
  @Inject SseSettings settings;
  @Inject ConnectionRegistry registry;
  @Inject MetricRegistry metrics;
  @Inject io.herald.observability.Traffic traffic;
  @Inject io.herald.security.TokenLifetime lifetime;
  @Inject io.herald.security.limits.Limits limits;

  @Resource ManagedThreadFactory threadFactory;
  @Inject io.herald.runtime.Timers scheduler;

  private final Map<String, SseConnection> open = new ConcurrentHashMap<>();
  private ExecutorService writers;
  private ScheduledFuture<?> heartbeat;
  private io.herald.observability.Traffic.Writes writes;
  /** Heartbeats spread over their period, a slice of the streams each tick. */
  private io.herald.runtime.Rounds rounds;

  @PostConstruct
  void start() {
    // A thread per core, not per stream: writes never block (SseConnection), so more threads would
    // only add switching. The task queue cannot grow past one drain per open stream (a stream's
    // drain is queued only by whoever takes its drain flag). Idle threads time out.
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            settings.writerThreads(),
            settings.writerThreads(),
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<Runnable>(), // bounded by the open streams: one drain each (above)
            threadFactory);
    pool.allowCoreThreadTimeOut(true);
    writers = pool;
    writes = traffic.writes(io.herald.transport.Transport.SSE);
    rounds = new io.herald.runtime.Rounds(settings.heartbeatMillis());
    long every = rounds.tickMillis();
    heartbeat = scheduler.scheduleAtFixedRate(this::beat, every, every, TimeUnit.MILLISECONDS);
  }

  @PreDestroy
  void stop() {
    heartbeat.cancel(false);
    open.values().forEach(c -> c.close(EndReason.SHUTDOWN));
    writers.shutdown();
  }

  /**
   * Starts a stream: the connected frame first, then what it is owed (a replay from {@code since},
   * or the latest values of a new subscription), then everything published to its channels.
   */
  void open(
      io.herald.security.Caller caller,
      io.herald.transport.Client client,
      io.herald.security.limits.ConnectionCounts.Slot slot,
      Map<String, Instant> allowed,
      EventId since,
      SseEventSink sink,
      Sse sse,
      SseResponse.Output out,
      SseForm form) {
    Set<String> channels = allowed.keySet();
    String id = UUID.randomUUID().toString();
    SseConnection connection =
        new SseConnection(
            id,
            caller,
            new io.herald.transport.MessageRates(limits.messageBucket(), limits.presenceBucket(), limits.refusalBucket()),
            slot,
            channels,
            sink,
            out,
            writers,
            settings.queueSize(),
            form,
            writes,
            this::closed);
    try {
      start(connection, caller, client, channels, since, sse);
      allowed.forEach(
          (channel, tokenExpiry) -> {
            if (tokenExpiry != null) {
              connection.tokenSubscriptions().add(channel, lifetime.schedule(tokenExpiry, () -> tokenExpired(connection, channel)));
            }
          });
    } catch (RuntimeException e) {
      connection.close(EndReason.ERROR); // gives its connection slot back, like every close
      throw e;
    }
  }

  private void start(
      SseConnection connection, io.herald.security.Caller caller, io.herald.transport.Client client, Set<String> channels, EventId since, Sse sse) {
    open.put(connection.id(), connection);
    registry.open(connection, client);
    connection.expiresWith(
        lifetime.schedule(
            caller.expiresAt(),
            () ->
                connection.finish(
                    connection.frame(
                        "token_expired",
                        JSON.createObjectBuilder()
                            .add("type", "token_expired")
                            .add("expiredAt", caller.expiresAt().toString())
                            .build()
                            .toString()),
                    EndReason.TOKEN_EXPIRED)));
    Replay replay =
        registry.subscribe(
            connection, channels, since, connection.room(), owed -> preamble(connection, channels, since, owed, sse));
    if (replay == null) {
      connection.close(EndReason.SLOW_CONSUMER); // a queue too small for even the gaps
      return;
    }
    if (since != null) {
      metrics
          .counter("herald.recoveries", new Tag("transport", "sse"), new Tag("recovered", String.valueOf(replay.recovered())))
          .inc();
    }
  }

  /**
   * Starts the stream with the frames ahead of the live ones. The SSE id is the stream's position,
   * which the browser sends back as Last-Event-ID: the connected frame carries the current one
   * unless replayed events follow (they carry theirs), and latest values carry none, being older
   * than it.
   */
  private void preamble(SseConnection connection, Set<String> channels, EventId since, io.herald.transport.Owed owed, Sse sse) {
    Replay replay = owed.replay();
    JsonArrayBuilder names = JSON.createArrayBuilder();
    channels.forEach(names::add); // in the order asked for (the connection keeps an unordered copy)
    JsonObjectBuilder data =
        JSON.createObjectBuilder()
            .add("type", "connected")
            .add("connectionId", connection.id())
            .add("userId", connection.userId())
            .add("channels", names)
            // a client takes the stream for dead after two beats missed (herald.js does)
            .add("heartbeatMs", settings.heartbeatMillis());
    if (since != null) {
      data.add("recovered", replay.recovered());
    }
    OutboundSseEvent.Builder connected = sse.newEventBuilder().reconnectDelay(settings.retryMillis());
    if (!connection.messages()) {
      connected.name("connected");
    }
    if (replay.events().isEmpty()) {
      connected.id(replay.position().toString());
    }
    List<SseFrame> frames = new ArrayList<>();
    for (String channel : replay.gaps()) {
      frames.add(connection.frame("gap", Replay.gap(channel, since)));
    }
    replay.lastValues().forEach(e -> frames.add(connection.frame(e, false)));
    replay.events().forEach(e -> frames.add(connection.frame(e, true)));
    owed.presence().forEach(members -> frames.add(connection.frame("presence", members)));
    connection.start(
        connected.mediaType(MediaType.TEXT_PLAIN_TYPE).data(String.class, data.build().toString()).build(), frames);
  }

  /** A channel's subscription token expired: the stream leaves that channel, and says so. */
  private void tokenExpired(SseConnection connection, String channel) {
    registry.unsubscribe(connection, channel);
    connection.endSubscription(
        channel,
        TokenSubscriptions.notice(
            channel,
            TokenSubscriptions.TOKEN_EXPIRED,
            "The subscription token for " + channel + " expired; open a stream with a fresh one to follow it again."));
  }

  private void closed(SseConnection connection, EndReason reason) {
    open.remove(connection.id());
    registry.close(connection, reason.label);
    connection.slot().release();
  }

  /**
   * Every heartbeat period, for each stream (a slice of them each tick): a comment (proxies keep
   * it open; a write to a vanished client fails), or the end of a stream that has not been
   * writable for too long.
   */
  private void beat() {
    long now = System.nanoTime();
    long stall = TimeUnit.MILLISECONDS.toNanos(settings.writeStallMillis());
    io.herald.runtime.Rounds.Turn turn = rounds.next();
    for (SseConnection connection : open.values()) {
      if (!turn.includes(connection.id())) {
        continue;
      }
      if (connection.stalledNanos(now) > stall) {
        connection.close(EndReason.SLOW_CONSUMER);
      } else {
        connection.beat();
      }
    }
  }
}
