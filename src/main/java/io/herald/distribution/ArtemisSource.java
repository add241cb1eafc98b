package io.herald.distribution;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.Topic;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.activemq.artemis.jms.client.ActiveMQConnection;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * The bundled Artemis client (type {@code jms}): the broker at {@code herald.broker.url}, or,
 * without one, the embedded broker, started with the first connection.
 */
final class ArtemisSource implements JmsSource {
  private final JmsSettings settings;
  private final String user;
  private final String password;
  private final ScheduledExecutorService scheduler;
  private EmbeddedArtemis embedded;

  ArtemisSource(JmsSettings settings, String user, String password, ScheduledExecutorService scheduler) {
    this.settings = settings;
    this.user = user;
    this.password = password;
    this.scheduler = scheduler;
  }

  @Override
  public synchronized Connection connection(String clientId, boolean confirmSends) throws JMSException {
    if (settings.url().isEmpty() && embedded == null) {
      EmbeddedArtemis broker = new EmbeddedArtemis();
      try {
        broker.start(settings, user, password);
      } catch (Exception e) {
        throw (JMSException) new JMSException("The embedded broker did not start: " + e).initCause(e);
      }
      embedded = broker;
    }
    // a new factory per connection: nothing of a lost broker's sessions is reused
    ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url());
    // The broker drops a connection it has not heard from for the TTL (Artemis: a minute). An
    // instance killed and started again under its id waits that long to get its client id back
    // (the old connection holds it): found by the chaos run, docs/testing.md.
    factory.setConnectionTTL(settings.connectionTtlMillis());
    factory.setClientFailureCheckPeriod(settings.connectionTtlMillis() / 2);
    if (!confirmSends) {
      // A connection with a confirmation window is one the broker keeps for the TTL after it
      // broke, waiting for a reattach (Artemis' RemotingServiceImpl); with it the client id and
      // the exclusive ingress, so an instance whose connection was reset could not come back for
      // that long (found by the chaos run: docs/testing.md). Receiving needs no window.
      factory.setConfirmationWindowSize(-1);
    } else if (factory.getConfirmationWindowSize() < 0) {
      // Without a confirmation window Artemis completes asynchronous sends before the broker
      // has the message; a 202 must mean the broker has it.
      factory.setConfirmationWindowSize(1024 * 1024);
    }
    Connection connection = connectWithin(factory, settings.connectionTtlMillis());
    if (clientId != null) {
      try {
        connection.setClientID(clientId);
      } catch (JMSException | RuntimeException refused) {
        // e.g. a second instance with this id: this attempt fails, and leaves nothing open
        try {
          connection.close();
        } catch (JMSException | RuntimeException ignored) {
          // going away anyway
        }
        throw refused;
      }
    }
    return connection;
  }

  /**
   * Connects, or gives up after {@code millis}. Artemis waits for the broker's topology message
   * for its whole call timeout (30 s) when a connection breaks while it is being made, as one does
   * through a proxy or load balancer that accepted it while the broker was starting (found by the
   * chaos run: an instance waited 30 s in its reconnect after a broker restart, docs/testing.md);
   * only closing the factory ends that wait, and the attempt then fails as any other.
   */
  private Connection connectWithin(ActiveMQConnectionFactory factory, long millis) throws JMSException {
    AtomicBoolean made = new AtomicBoolean();
    ScheduledFuture<?> watchdog = scheduler.schedule(() -> {
      if (!made.get()) {
        factory.close(); // the factory serves this one connection only (above)
      }
    }, millis, TimeUnit.MILLISECONDS);
    try {
      Connection connection = factory.createConnection(user, password);
      made.set(true);
      return connection;
    } finally {
      watchdog.cancel(false);
    }
  }

  /**
   * A close that raced the connection's own failure waited for an answer that never came, until
   * Artemis' client failure check gave up on the connection (10-20 s; found by CrashRestartIT:
   * Artemis' failure handling stops early for a factory being closed, and leaves the close's
   * blocking call waiting), and the reconnect with it. Cleaning the factory up says nothing to the
   * broker: its sessions are dropped here and its socket closed, which the broker takes as the
   * end of a connection that confirms nothing (the client id's) at once.
   */
  @Override
  public void abandon(Connection connection) {
    if (connection instanceof ActiveMQConnection artemis) {
      try {
        artemis.getSessionFactory().cleanup();
      } catch (RuntimeException e) {
        // going away anyway; the close below does what is left
      }
    }
    JmsSource.super.abandon(connection); // the factory is closed: this only marks its sessions closed
  }

  private String url() {
    return settings.url().orElse(EmbeddedArtemis.IN_VM_URL);
  }

  @Override
  public Topic internal(Session session) throws JMSException {
    return session.createTopic(settings.internalTopic());
  }

  @Override
  public Topic ingress(Session session) throws JMSException {
    // exclusive: one consumer at a time gets the messages, so a producer's order is kept
    return session.createTopic(settings.topic() + "?exclusive=true");
  }

  @Override
  public Queue deadLetters(Session session) throws JMSException {
    return session.createQueue(settings.deadLetterAddress());
  }

  @Override
  public boolean managed() {
    return false;
  }

  @Override
  public String describe() {
    return "the broker at " + url();
  }

  @Override
  public synchronized void close() {
    if (embedded != null) {
      embedded.stop();
    }
  }
}
