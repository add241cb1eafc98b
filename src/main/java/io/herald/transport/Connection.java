package io.herald.transport;

import io.herald.bus.Envelope;
import io.herald.bus.Signal;
import java.util.Set;

/** One open client connection, whatever its transport, as the registry sees it. */
public interface Connection {
  String id();

  String userId();

  /** The tenant whose channels it may see: every subscription of it is within this tenant. */
  String tenant();

  Transport transport();

  /** The channels it is subscribed to now. */
  Set<String> channels();

  /**
   * Queues an event for this connection. Must not block: a connection that cannot keep up closes
   * itself (slow consumer) rather than hold up the caller, which serves every other connection.
   */
  void deliver(Envelope envelope);

  /** Queues an ephemeral signal (typing) under the same rules as {@link #deliver}. */
  void signal(Signal signal);
}
