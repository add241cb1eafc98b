package io.herald.distribution;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.Topic;

/**
 * Where Herald's JMS connections and destinations come from ({@code herald.broker.type}): the
 * bundled Artemis client ({@link ArtemisSource}, type {@code jms}, the default) or the app
 * server's own JMS resources looked up by JNDI name ({@link ContainerSource}, type {@code jndi}).
 * Both carry the same messages (docs/jms.md): only where they come from differs.
 */
interface JmsSource {
  /**
   * A new connection. {@code clientId} names it where the source allows one, so that a second
   * instance with the same id is refused; a container-managed source ignores it. With
   * {@code confirmSends} an asynchronous send completes only once the broker has the message;
   * without, the broker lets go of the connection as soon as it finds it broken (Artemis keeps a
   * confirming connection it lost, with its client id and consumers, for its time-to-live, for
   * the client to reattach: herald.broker.connection-ttl-ms). A container-managed source ignores it.
   */
  Connection connection(String clientId, boolean confirmSends) throws JMSException;

  /** The topic between Herald instances. */
  Topic internal(Session session) throws JMSException;

  /** The producers' topic, as the ingress consumes it. */
  Topic ingress(Session session) throws JMSException;

  Queue deadLetters(Session session) throws JMSException;

  /**
   * Whether the connections are the app server's (Jakarta Messaging 3.1, section 12.2): then no
   * client id, no exception or message listeners, and one session per connection; receiving
   * is a loop on a managed thread, failures surface from the calls themselves.
   */
  boolean managed();

  /** For the log: where this source connects. */
  String describe();

  /**
   * Lets go of a connection that is lost, or part of a set one of which is. The bundled client's
   * lets go at once, without waiting for the broker to answer ({@link ArtemisSource}); this
   * default, a plain close, is all an app server's connections allow, and waits for each
   * session's close to be answered, or to fail.
   */
  default void abandon(Connection connection) {
    try {
      connection.close();
    } catch (JMSException | RuntimeException e) {
      // going away anyway
    }
  }

  /** Releases what the source started (the embedded broker). */
  default void close() {}
}
