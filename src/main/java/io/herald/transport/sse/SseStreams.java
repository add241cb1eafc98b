package io.herald.transport.sse;

import static io.herald.api.JsonProviders.JSON;

import io.herald.bus.EventId;
import io.herald.history.Replay;
import io.herald.transport.ConnectionRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
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
  @Inject io.herald.security.TokenLifetime lifetime;
  @Inject io.herald.security.limits.ConnectionCounts counts;

  @Resource ManagedThreadFactory threadFactory;
  @Resource ManagedScheduledExecutorService scheduler;

  private final Map<String, SseConnection> open = new ConcurrentHashMap<>();
  private ExecutorService writers;
  private ScheduledFuture<?> heartbeat;
  private static final SseFrame HEARTBEAT = SseFrame.comment("heartbeat");

  @PostConstruct
  void start() {
    // A bounded pool, not a thread per stream: writes are short unless a client stops reading.
    // Such a client is cut when its queue fills, but the write it is stuck in holds its thread
    // until the container's write timeout (about 60 s on Payara Micro), so the pool is sized for
    // several of those at once; idle threads time out.
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            settings.writerThreads(),
            settings.writerThreads(),
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            threadFactory);
    pool.allowCoreThreadTimeOut(true);
    writers = pool;
    long every = settings.heartbeatMillis();
    heartbeat = scheduler.scheduleAtFixedRate(this::beat, every, every, TimeUnit.MILLISECONDS);
  }

  @PreDestroy
  void stop() {
    heartbeat.cancel(false);
    open.values().forEach(c -> c.close(SseConnection.Reason.SHUTDOWN));
    writers.shutdown();
  }

  /**
   * Starts a stream: the connected frame first, then what it is owed (a replay from {@code since},
   * or the latest values of a new subscription), then everything published to its channels.
   */
  void open(
      io.herald.security.Caller caller,
      String address,
      Set<String> channels,
      EventId since,
      SseEventSink sink,
      Sse sse,
      SseResponse.Output out) {
    String userId = caller.subject();
    String id = UUID.randomUUID().toString();
    SseConnection connection =
        new SseConnection(
            id, userId, caller.tenant(), address, channels, sink, out, writers, settings.queueSize(), this::closed);
    open.put(id, connection);
    registry.open(connection);
    connection.expiresWith(
        lifetime.schedule(
            caller.expiresAt(),
            () ->
                connection.finish(
                    SseFrame.named(
                        "token_expired",
                        JSON.createObjectBuilder()
                            .add("type", "token_expired")
                            .add("expiredAt", caller.expiresAt().toString())
                            .build()
                            .toString()),
                    SseConnection.Reason.TOKEN_EXPIRED)));
    Replay replay =
        registry.subscribe(
            connection, channels, since, owed -> preamble(connection, channels, since, owed, sse));
    metrics.counter("herald.connections.opened", new Tag("transport", "sse")).inc();
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
  private void preamble(SseConnection connection, Set<String> channels, EventId since, Replay replay, Sse sse) {
    JsonArrayBuilder names = JSON.createArrayBuilder();
    channels.forEach(names::add); // in the order asked for (the connection keeps an unordered copy)
    JsonObjectBuilder data =
        JSON.createObjectBuilder()
            .add("connectionId", connection.id())
            .add("userId", connection.userId())
            .add("channels", names);
    if (since != null) {
      data.add("recovered", replay.recovered());
    }
    OutboundSseEvent.Builder connected = sse.newEventBuilder().name("connected").reconnectDelay(settings.retryMillis());
    if (replay.events().isEmpty()) {
      connected.id(replay.position().toString());
    }
    List<SseFrame> frames = new ArrayList<>();
    for (String channel : replay.gaps()) {
      frames.add(SseFrame.named("gap", Replay.gap(channel, since)));
    }
    replay.lastValues().forEach(e -> frames.add(SseFrame.of(e, false)));
    replay.events().forEach(e -> frames.add(SseFrame.of(e, true)));
    connection.start(
        connected.mediaType(MediaType.TEXT_PLAIN_TYPE).data(String.class, data.build().toString()).build(), frames);
  }

  private void closed(SseConnection connection, SseConnection.Reason reason) {
    open.remove(connection.id());
    registry.close(connection);
    counts.release(connection.tenant(), connection.userId(), connection.address());
    metrics
        .counter("herald.connections.closed", new Tag("transport", "sse"), new Tag("reason", reason.label))
        .inc();
  }

  private void beat() {
    open.values().forEach(c -> c.enqueue(HEARTBEAT));
  }
}
