package io.herald.transport.websocket;

import io.herald.bus.EventBus;
import io.herald.bus.Signal;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Who is typing where, on this instance. The instance that holds the typing connection owns its
 * state: it relays start and stop through the bus (so every instance's subscribers see them) and
 * sends the stop itself when no new start comes in time or the connection closes, so a crashed
 * tab never leaves "alice is typing..." behind.
 */
@ApplicationScoped
public class TypingTracker {
  static final String START = "start";
  static final String STOP = "stop";

  @Inject EventBus bus;
  @Inject WsSettings settings;

  @Resource ManagedScheduledExecutorService scheduler;

  /** connection id -> channel -> the pending automatic stop. */
  private final Map<String, Map<String, ScheduledFuture<?>>> typing = new ConcurrentHashMap<>();

  void start(WsConnection connection, String channel) {
    Map<String, ScheduledFuture<?>> channels =
        typing.computeIfAbsent(connection.id(), k -> new ConcurrentHashMap<>());
    ScheduledFuture<?> stop =
        scheduler.schedule(
            () -> stop(connection, channel), settings.typingTimeoutMillis(), TimeUnit.MILLISECONDS);
    ScheduledFuture<?> previous = channels.put(channel, stop);
    if (previous != null) {
      previous.cancel(false); // still typing: push the automatic stop back, tell nobody
    } else {
      relay(connection, channel, START);
    }
  }

  void stop(WsConnection connection, String channel) {
    Map<String, ScheduledFuture<?>> channels = typing.get(connection.id());
    ScheduledFuture<?> pending = channels == null ? null : channels.remove(channel);
    if (pending != null) {
      pending.cancel(false);
      relay(connection, channel, STOP);
    }
  }

  void connectionClosed(WsConnection connection) {
    Map<String, ScheduledFuture<?>> channels = typing.remove(connection.id());
    if (channels != null) {
      channels.forEach(
          (channel, pending) -> {
            pending.cancel(false);
            relay(connection, channel, STOP);
          });
    }
  }

  private void relay(WsConnection connection, String channel, String state) {
    bus.signal(
        new Signal(
            Signal.Kind.TYPING,
            channel,
            connection.caller().tenant(),
            connection.userId(),
            state,
            connection.id()));
  }
}
