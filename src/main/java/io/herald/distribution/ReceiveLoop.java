package io.herald.distribution;

import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageListener;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * Receives on a thread of its own where a message listener is not allowed (an app server's JMS,
 * Jakarta Messaging 3.1 section 12.2): the same hand-over, one message at a time, in order. A
 * failure while running is the connection's, reported once, as an exception listener would.
 */
final class ReceiveLoop extends Loop {
  private final MessageConsumer consumer;
  private final MessageListener listener;
  private final Consumer<Exception> failed;

  ReceiveLoop(MessageConsumer consumer, MessageListener listener, Consumer<Exception> failed, ThreadFactory threads, String name) {
    super(threads, name);
    this.consumer = consumer;
    this.listener = listener;
    this.failed = failed;
  }

  @Override
  public void run() {
    try {
      while (running) {
        Message message = consumer.receive(500); // the pause bounds how long a stop waits
        if (message != null) {
          listener.onMessage(message);
        }
      }
    } catch (JMSException | RuntimeException e) {
      if (running) {
        failed.accept(e);
      }
    }
  }
}
