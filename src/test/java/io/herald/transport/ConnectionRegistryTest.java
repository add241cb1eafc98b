package io.herald.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.history.History;
import io.herald.history.Replay;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Only open connections are in a channel's fan-out, however a close and a subscribe interleave. */
class ConnectionRegistryTest {
  private static final EventId HEAD = new EventId(1_000, 0, "a");

  /** The fan-out's own step records into the history; nothing here needs one. */
  private static final class NoHistory extends History {
    @Override
    public void record(Envelope envelope) {}

    @Override
    public Replay fresh(String tenant, Collection<String> channels) {
      return new Replay(List.of(), Set.of(), List.of(), HEAD);
    }
  }

  private static final class Recorder implements Connection {
    @Override
    public void disconnect(String reason) {}

    final List<Envelope> received = new ArrayList<>();
    private final String id;

    Recorder(String id) {
      this.id = id;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String userId() {
      return "alice";
    }

    @Override
    public String tenant() {
      return "acme";
    }

    @Override
    public Transport transport() {
      return Transport.SSE;
    }

    @Override
    public Set<String> channels() {
      return Set.of("chat.1");
    }

    @Override
    public void deliver(Envelope envelope) {
      received.add(envelope);
    }

    @Override
    public void signal(String type, String json) {}

    @Override
    public io.herald.security.Caller caller() {
      return new io.herald.security.Caller("alice", Set.of(), "acme", Instant.MAX, Set.of(), Set.of());
    }

    @Override
    public boolean isClosed() {
      return false;
    }

    @Override
    public MessageRates rates() {
      return null;
    }
  }

  /** Member lists and typing are tested on their own (PresenceIT); here they do nothing. */
  private static final class NoPresence extends io.herald.presence.Presence {
    @Override
    public boolean enabled(String channel) {
      return false;
    }
  }

  private static final class NoTracker extends io.herald.presence.PresenceTracker {
    @Override
    public void joined(String connectionId, io.herald.security.Caller caller, String channel) {}

    @Override
    public void left(String connectionId, String channel) {}

    @Override
    public void closed(String connectionId) {}
  }

  private static final class NoTyping extends TypingTracker {
    @Override
    public void stop(Connection connection, String channel) {}

    @Override
    public void connectionClosed(Connection connection) {}
  }

  /** Counts nothing: the metric registry is the container's. */
  static final class NoTraffic extends io.herald.observability.Traffic {
    @Override
    public void opened(Transport transport) {}

    @Override
    public void closed(Transport transport, String reason) {}

    @Override
    public void received(io.herald.bus.Envelope envelope) {}

    @Override
    public void delivered(Transport transport, int count) {}
  }

  private final ConnectionRegistry registry = new ConnectionRegistry();

  {
    registry.traffic = new NoTraffic();
    registry.audit = new io.herald.observability.Audit(); // not enabled: nothing configured it
    registry.history = new NoHistory();
    registry.presence = new NoPresence();
    registry.presenceTracker = new NoTracker();
    registry.typing = new NoTyping();
  }

  private static Envelope event(int seq) {
    return new Envelope(new EventId(2_000, seq, "a"), "chat.1", "e", null, "p", "acme", Instant.EPOCH);
  }

  @Test
  void aConnectionClosedWhileItsSubscriptionIsSetUpIsNotLeftInTheFanOut() {
    Recorder closedEarly = new Recorder("c1");
    Recorder open = new Recorder("c2");
    registry.open(closedEarly, Client.UNKNOWN);
    registry.open(open, Client.UNKNOWN);
    registry.close(closedEarly, "client_gone"); // the socket went away before the subscription was done
    registry.subscribe(closedEarly, List.of("chat.1"), null, 1024, replay -> {});
    registry.subscribe(open, List.of("chat.1"), null, 1024, replay -> {});

    registry.fanOut(event(1));
    assertTrue(closedEarly.received.isEmpty(), "a closed connection is never delivered to");
    assertEquals(List.of(event(1).id()), open.received.stream().map(Envelope::id).toList());
  }

  @Test
  void closingTakesAConnectionOutOfEveryChannelItJoined() {
    Recorder connection = new Recorder("c1");
    registry.open(connection, Client.UNKNOWN);
    registry.subscribe(connection, List.of("chat.1"), null, 1024, replay -> {});
    registry.close(connection, "client_gone");

    registry.fanOut(event(1));
    assertTrue(connection.received.isEmpty());
    assertEquals(0, registry.countByTransport().get(Transport.SSE));
  }
}
