package io.herald.distribution;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.Topic;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * The app server's JMS (type {@code jndi}): a connection factory and destinations the operator
 * created in the server (payara-config/payara-server.sh), looked up by their JNDI names. The
 * server's connection pool, credentials and broker address apply; Herald's bundled client and
 * embedded broker are not used at all.
 */
final class ContainerSource implements JmsSource {
  private final JmsSettings.Jndi names;
  private final String user;
  private final String password;
  private ConnectionFactory factory;
  private Topic internal;
  private Topic ingress;
  private Queue deadLetters;

  ContainerSource(JmsSettings settings) {
    this.names = settings.jndi();
    this.user = settings.user().orElse(null);
    this.password = settings.password().orElse(null);
  }

  /** Looks everything up once, on the first connection: a missing name fails that attempt, which is retried. */
  private synchronized void lookUp() throws JMSException {
    if (factory != null) {
      return;
    }
    try {
      InitialContext context = new InitialContext();
      try {
        ConnectionFactory factory = (ConnectionFactory) context.lookup(names.connectionFactory());
        internal = (Topic) context.lookup(names.internalTopic());
        ingress = (Topic) context.lookup(names.topic());
        deadLetters = (Queue) context.lookup(names.deadLetterQueue());
        this.factory = factory;
      } finally {
        context.close();
      }
    } catch (NamingException | ClassCastException e) {
      throw (JMSException) new JMSException("JNDI lookup failed (herald.broker.jndi.*): " + e).initCause(e);
    }
  }

  @Override
  public Connection connection(String clientId, boolean confirmSends) throws JMSException {
    lookUp();
    // no client id: the container forbids setting one; the connection factory may carry its own
    return user == null ? factory.createConnection() : factory.createConnection(user, password);
  }

  /** For other systems' producers (the demo's): the server's connection factory. */
  ConnectionFactory factory() {
    lookedUp();
    return factory;
  }

  @Override
  public Topic internal(Session session) throws JMSException {
    lookUp();
    return internal;
  }

  @Override
  public Topic ingress(Session session) throws JMSException {
    lookUp();
    return ingress;
  }

  /** The producers' topic, as they send to it. */
  Topic topic() {
    lookedUp();
    return ingress;
  }

  /** {@link #lookUp} for callers of the simplified API, which throws unchecked. */
  private void lookedUp() {
    try {
      lookUp();
    } catch (JMSException e) {
      throw new jakarta.jms.JMSRuntimeException(e.getMessage(), null, e);
    }
  }

  @Override
  public Queue deadLetters(Session session) throws JMSException {
    lookUp();
    return deadLetters;
  }

  @Override
  public boolean managed() {
    return true;
  }

  @Override
  public String describe() {
    return "the app server's " + names.connectionFactory();
  }
}
