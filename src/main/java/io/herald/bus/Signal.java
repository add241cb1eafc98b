package io.herald.bus;

/**
 * An ephemeral notice that travels the bus beside events: relayed to every instance, never stored,
 * never replayed, at most once, in order per sender (docs/jms.md). Its body is JSON text, made once
 * by the sender.
 *
 * @param kind what it is about
 * @param tenant the tenant of the channel it concerns, or null (presence replication between
 *     instances concerns no single channel)
 * @param channel the channel it concerns, or null
 * @param connectionId the connection it came from, which does not get it back, or null
 * @param body JSON text: for {@link Kind#TYPING} the client frame itself, for {@link Kind#PRESENCE}
 *     a presence replication message (io.herald.presence), for {@link Kind#ROUTE} and
 *     {@link Kind#ROUTED} a forwarded message and its answer (io.herald.transport.route), for
 *     {@link Kind#ADMIN} and {@link Kind#ADMIN_ANSWER} an admin request and an answer (io.herald.admin)
 */
public record Signal(Kind kind, String tenant, String channel, String connectionId, String body) {

  /** What a signal is about. */
  public enum Kind {
    /** Someone started or stopped typing; the body is the {@code typing} frame clients get. */
    TYPING("typing"),
    /** Presence replication between instances: who is where, from the instance that holds them. */
    PRESENCE("presence"),
    /** A message sent over HTTP to an instance that does not hold its connection (transport.route). */
    ROUTE("route"),
    /** The answer of the instance that holds the connection, for the one the client waits on. */
    ROUTED("routed"),
    /** An admin request every instance answers for its own connections (io.herald.admin). */
    ADMIN("admin"),
    /** One instance's answer to an admin request, for the instance the admin waits on. */
    ADMIN_ANSWER("admin_answer");

    private final String type;

    Kind(String type) {
      this.type = type;
    }

    public String type() {
      return type;
    }

    public static Kind of(String type) {
      for (Kind k : values()) {
        if (k.type.equals(type)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown signal kind " + type);
    }
  }
}
