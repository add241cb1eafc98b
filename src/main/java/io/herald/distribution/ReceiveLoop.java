package io.herald.distribution;

import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageListener;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Receives on a thread of its own where a message listener is not allowed (an app server's JMS,
 * Jakarta Messaging 3.1 section 12.2): the same hand-over, one message at a time, in order. A
 * failure while running is the connection's, reported once, as an exception listener would.
 */
final class ReceiveLoop implements Runnable {
  private final MessageConsumer consumer;
  private final MessageListener listener;
  private final Consumer<Exception> failed;
  private final Thread thread;
  private volatile boolean running = true;

  ReceiveLoop(MessageConsumer consumer, MessageListener listener, Consumer<Exception> failed, ThreadFactory threads, String name) {
    this.consumer = consumer;
    this.listener = listener;
    this.failed = failed;
    this.thread = threads.newThread(this);
    thread.setName(name);
  }

  void start() {
    thread.start();
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

  /** Stops without waiting: the connection is being closed under it. */
  void halt() {
    running = false;
  }

  /** Stops after the message being handed over, waiting (bounded) for it. */
  void stop() {
    running = false;
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
