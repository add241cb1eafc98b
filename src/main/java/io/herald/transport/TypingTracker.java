package io.herald.transport;

import static io.herald.api.JsonProviders.JSON;

import io.herald.bus.EventBus;
import io.herald.bus.Signal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Who is typing where, on this instance: an entry per connection that is typing now (at most its
 * subscriptions), removed when it stops or closes. The instance that holds the typing connection
 * owns its state: it relays start and stop through the bus (so every instance's subscribers see
 * them, and their member lists show it) and sends the stop itself when no new start comes in time
 * or the connection closes, so a crashed tab never leaves "alice is typing..." behind. Any
 * connection can type: a WebSocket, or an SSE stream or long-poll session through the HTTP route.
 */
@ApplicationScoped
public class TypingTracker {
  public static final String START = "start";
  public static final String STOP = "stop";

  @Inject EventBus bus;

  @Inject
  @ConfigProperty(name = "herald.ws.typing-timeout-ms", defaultValue = "5000")
  long timeoutMillis;

  @Inject io.herald.runtime.Timers scheduler;

  /** connection id -> channel -> the pending automatic stop. */
  private final Map<String, Map<String, ScheduledFuture<?>>> typing = new ConcurrentHashMap<>();

  public void start(Connection connection, String channel) {
    ScheduledFuture<?> stop =
        scheduler.schedule(() -> stop(connection, channel), timeoutMillis, TimeUnit.MILLISECONDS);
    ScheduledFuture<?>[] before = new ScheduledFuture<?>[1];
    typing.compute(
        connection.id(),
        (id, channels) -> {
          Map<String, ScheduledFuture<?>> typingIn = channels == null ? new ConcurrentHashMap<>() : channels;
          before[0] = typingIn.put(channel, stop);
          return typingIn;
        });
    ScheduledFuture<?> previous = before[0];
    if (previous != null) {
      previous.cancel(false); // still typing: push the automatic stop back, tell nobody
    } else {
      relay(connection, channel, START);
    }
    if (connection.isClosed()) {
      connectionClosed(connection); // it closed meanwhile: its clean-up may have run before the put
    }
  }

  public void stop(Connection connection, String channel) {
    ScheduledFuture<?>[] pending = new ScheduledFuture<?>[1];
    typing.computeIfPresent(
        connection.id(),
        (id, channels) -> {
          pending[0] = channels.remove(channel);
          return channels.isEmpty() ? null : channels; // nothing kept for a connection not typing
        });
    if (pending[0] != null) {
      pending[0].cancel(false);
      relay(connection, channel, STOP);
    }
  }

  public void connectionClosed(Connection connection) {
    Map<String, ScheduledFuture<?>> channels = typing.remove(connection.id());
    if (channels != null) {
      channels.forEach(
          (channel, pending) -> {
            pending.cancel(false);
            relay(connection, channel, STOP);
          });
    }
  }

  private void relay(Connection connection, String channel, String state) {
    String frame =
        JSON.createObjectBuilder()
            .add("type", "typing")
            .add("channel", channel)
            .add("userId", connection.userId())
            .add("state", state)
            .build()
            .toString();
    bus.signal(new Signal(Signal.Kind.TYPING, connection.tenant(), channel, connection.id(), frame));
  }
}
