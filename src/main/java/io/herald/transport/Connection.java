package io.herald.transport;

import io.herald.bus.Envelope;
import io.herald.security.Caller;
import java.util.Set;

/** One open client connection, whatever its transport, as the registry sees it. */
public interface Connection {
  String id();

  /** Who holds it: the verified token it opened with (or refreshed to). */
  Caller caller();

  /** Its user: the token's subject. */
  default String userId() {
    return caller().subject();
  }

  /** The tenant whose channels it may see: every subscription of it is within this tenant. */
  default String tenant() {
    return caller().tenant();
  }

  Transport transport();

  /** The channels it is subscribed to now. */
  Set<String> channels();

  /**
   * Queues an event for this connection. Must not block: a connection that cannot keep up closes
   * itself (slow consumer) rather than hold up the caller, which serves every other connection.
   */
  void deliver(Envelope envelope);

  /**
   * Queues an ephemeral frame ({@code typing}, {@code presence}) under the same rules as
   * {@link #deliver}: {@code type} names it (the SSE event name), {@code json} is the frame.
   */
  void signal(String type, String json);

  boolean isClosed();

  /**
   * Whether it is in the member lists of the channels it subscribes to. A single long-poll
   * request without a session is not: it is gone again as soon as it is answered.
   */
  default boolean present() {
    return true;
  }

  /**
   * Tells the client this instance is going and ends the connection after what is queued, so
   * that it reconnects (to another instance) at once and resumes: WebSocket close 1012, an SSE
   * {@code reconnect} event with {@code retry}. A long-poll needs nothing: its next poll goes
   * elsewhere.
   */
  default void restart(long retryMillis) {}

  /**
   * Ends the connection at an admin's word (io.herald.admin): an SSE stream or a long-poll session
   * gets a {@code disconnected} frame with {@code reason} after what is queued, a WebSocket closes
   * with 4010 and the reason. A client should not reconnect by itself after it (herald.js does not).
   */
  void disconnect(String reason);

  /** The frame that tells a client an admin disconnected it (protocol.md). */
  static String disconnected(String reason) {
    return io.herald.api.JsonProviders.JSON.createObjectBuilder().add("type", "disconnected").add("code", 4010).add("reason", reason).build().toString();
  }

  /** Frames waiting in its queue now. */
  default int queued() {
    return 0;
  }

  /** The rates its client messages are held to, or null if it takes none. */
  MessageRates rates();
}
