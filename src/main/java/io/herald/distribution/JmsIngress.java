package io.herald.distribution;

import io.herald.bus.Broker;
import io.herald.bus.EventId;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The way in for other systems' producers. They send to the ingress topic ({@code
 * herald.broker.topic}); Herald instances share one durable subscription to it, exclusive, so one
 * instance at a time takes its messages, in the order sent (another takes over if it goes). Each
 * message is checked, given its id here ({@link Broker.Receiver#ingressId}), and put on the
 * internal topic that only Herald may send to, or dead-lettered, in one transaction with taking it:
 * every producer message becomes exactly one event, under one id on every instance, or one dead
 * letter.
 *
 * <p>A producer can only ever publish events this way: whatever else it sets on its message (an
 * id, a signal kind, Herald's own properties) is not read.
 */
final class JmsIngress extends Loop {
  private static final Logger LOG = Logger.getLogger(JmsIngress.class.getName());
  /** The shared subscription every instance consumes the ingress through. */
  static final String SUBSCRIPTION = "herald-ingress";
  /** Messages per transaction at most; a batch also ends when no message is waiting. */
  private static final int BATCH = 256;

  private final Session session;
  private final MessageConsumer consumer;
  private final MessageProducer internal;
  private final DeadLetters deadLetters;
  private final JmsCodec codec;
  private final Broker.Receiver receiver;
  private final long ttlMillis;
  private final Consumer<Exception> failed;

  JmsIngress(
      Connection connection,
      JmsSource source,
      JmsSettings settings,
      JmsCodec codec,
      Broker.Receiver receiver,
      DeadLetters.Counter counter,
      Consumer<Exception> failed,
      ThreadFactory threads)
      throws JMSException {
    super(threads, "herald-ingress");
    this.failed = failed;
    this.codec = codec;
    this.receiver = receiver;
    this.ttlMillis = settings.messageTtlMillis();
    session = connection.createSession(true, Session.SESSION_TRANSACTED);
    consumer = session.createSharedDurableConsumer(source.ingress(session), SUBSCRIPTION);
    internal = session.createProducer(source.internal(session));
    internal.setDeliveryMode(DeliveryMode.PERSISTENT);
    internal.setTimeToLive(settings.messageTtlMillis());
    deadLetters = new DeadLetters(session.createProducer(source.deadLetters(session)), settings.deadLetterAddress(), counter);
  }


  /**
   * Takes producers' messages in batches until stopped or the connection fails; each batch is one
   * transaction. A failure rolls the batch back: its messages go back to the subscription, for
   * this instance after it reconnects, or for another.
   */
  @Override
  public void run() {
    try {
      while (running) {
        Message first = consumer.receive(500);
        if (first == null) {
          continue;
        }
        int taken = 0;
        for (Message m = first; m != null; m = ++taken < BATCH && running ? consumer.receiveNoWait() : null) {
          bridge(m);
        }
        session.commit();
      }
    } catch (JMSException | RuntimeException e) {
      if (running) {
        LOG.log(Level.WARNING, "The ingress stopped taking producers' messages (" + e + "); it resumes when the broker connection is back");
        failed.accept(e);
      }
    } finally {
      try {
        session.close(); // rolls back a batch not committed: its messages stay with the broker
      } catch (JMSException | RuntimeException e) {
        LOG.log(Level.FINE, "Closing the ingress session failed", e);
      }
    }
  }

  /** One producer message: onto the internal topic with its id, or to the dead letters. */
  private void bridge(Message message) throws JMSException {
    JmsCodec.Produced produced;
    try {
      produced = codec.decodeProduced(message);
    } catch (JmsCodec.Poison poison) {
      deadLetters.send(message, poison.reason, poison.getMessage());
      return;
    } catch (JMSException | RuntimeException unreadable) {
      deadLetters.send(message, "unreadable", String.valueOf(unreadable));
      return;
    }
    EventId id = receiver.ingressId();
    internal.send(codec.encode(session, produced, id), DeliveryMode.PERSISTENT, Message.DEFAULT_PRIORITY, ttlMillis);
  }
}
