package io.herald.distribution;

import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where messages that cannot become events go ({@code herald.broker.dead-letter-address}), where
 * ops can browse them: each counted by reason, and logged once with its JMS message id.
 */
final class DeadLetters {
  private static final Logger LOG = Logger.getLogger(DeadLetters.class.getName());

  /** Counts a dead letter by reason (the metric). */
  @FunctionalInterface
  interface Counter {
    void count(String reason);
  }

  private final MessageProducer producer;
  private final String address;
  private final Counter counter;

  DeadLetters(MessageProducer producer, String address, Counter counter) {
    this.producer = producer;
    this.address = address;
    this.counter = counter;
  }

  /** Sends {@code message} to the dead letters (in the producer's session, and its transaction if any). */
  void send(Message message, String reason, String detail) throws JMSException {
    counter.count(reason);
    String id = messageId(message);
    LOG.warning("Dead-lettered JMS message " + id + " to " + address + ": " + reason + ": " + detail);
    try {
      message.setStringProperty("heraldError", reason + ": " + detail);
    } catch (JMSException | RuntimeException readOnly) {
      // received messages may be read-only; the log line above names it either way
    }
    try {
      producer.send(message);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Could not dead-letter " + id, e);
    }
  }

  private static String messageId(Message message) {
    try {
      return message.getJMSMessageID();
    } catch (JMSException e) {
      return "(no id)";
    }
  }
}
