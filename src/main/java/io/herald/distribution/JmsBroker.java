package io.herald.distribution;

import io.herald.bus.Broker;
import io.herald.bus.Envelope;
import io.herald.bus.InstanceIdentity;
import io.herald.bus.Signal;
import io.herald.channel.Channels;
import io.herald.bus.PublishFailure;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.jms.CompletionListener;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.Topic;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * Distribution over one JMS topic (ActiveMQ Artemis): every instance publishes every event to it
 * and consumes all of it through a durable subscription of its own, so events published while an
 * instance reconnects wait for it in the broker. An instance's own events reach its subscribers
 * only through the topic, hence once, and in the topic's order like everyone else's.
 *
 * <p>Connecting never happens on a caller's thread: it runs in the background and retries every
 * {@code herald.broker.reconnect-ms}; while disconnected, {@link #publish} fails at once and
 * readiness is DOWN.
 */
public class JmsBroker implements Broker {
  private static final Logger LOG = Logger.getLogger(JmsBroker.class.getName());
  /** Artemis logs an audit line per session, queue and message; kept (strongly) at WARNING. */
  private static final Logger AUDIT = Logger.getLogger("org.apache.activemq.audit");

  static {
    AUDIT.setLevel(Level.WARNING);
  }
  private static final long SIGNAL_TTL_MS = 10_000;
  /** Event ids delivered lately: a message redelivered after a lost acknowledgement is dropped. */
  private static final int RECENT_IDS = 10_000;

  private final JmsSettings settings;
  private final InstanceIdentity instance;
  private final MetricRegistry metrics;
  private final ManagedScheduledExecutorService scheduler;
  /** One thread for every JMS call but receiving: sessions are single-threaded, and it keeps publish order. */
  private final ThreadPoolExecutor sender;
  private final JmsCodec codec;
  private final Set<String> recent =
      Collections.newSetFromMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > RECENT_IDS;
            }
          });

  private volatile Receiver receiver;
  private volatile boolean connected;
  private volatile boolean stopping;
  private volatile boolean receiving = true;
  private int failedAttempts;
  private EmbeddedArtemis embedded;
  // Touched by the connect task and the sender thread only, never concurrently with a send.
  private Connection connection;
  private Session sendSession;
  private MessageProducer producer;
  private Session receiveSession;
  private MessageConsumer consumer;
  private MessageProducer deadLetters;

  JmsBroker(
      JmsSettings settings,
      InstanceIdentity instance,
      Channels channels,
      String defaultTenant,
      MetricRegistry metrics,
      ManagedScheduledExecutorService scheduler,
      ManagedThreadFactory threads) {
    this.settings = settings;
    this.instance = instance;
    this.metrics = metrics;
    this.scheduler = scheduler;
    // Bounded: a broker slower than the publishers refuses them (503) instead of filling the heap.
    this.sender =
        new ThreadPoolExecutor(
            1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(settings.sendQueueSize()), threads);
    metrics.gauge("herald.broker.send.queue.depth", sender, s -> s.getQueue().size());
    this.codec = new JmsCodec(channels, settings.maxMessageBytes(), defaultTenant);
  }

  @Override
  public void start(Receiver receiver) {
    this.receiver = receiver;
    java.util.concurrent.Future<?> first = sender.submit(this::connect); // the queue is empty now
    if (settings.url().isEmpty()) {
      // The embedded broker is in this JVM, with no network to wait on: have it up before the
      // app reports ready, so the first publish is not refused. Bounded, and a failure only
      // leaves the retries running in the background.
      try {
        first.get(15, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.log(Level.WARNING, "The embedded broker is not up yet; continuing in the background", e);
      }
    }
    // An external broker is always connected in the background: an app never fails to start,
    // nor waits, because a broker elsewhere is down.
  }

  private String subscriptionName() {
    return "herald-" + instance.id();
  }

  private void connect() {
    if (stopping || connected) {
      return;
    }
    try {
      String url = settings.url().orElse(EmbeddedArtemis.IN_VM_URL);
      if (settings.url().isEmpty() && embedded == null) {
        embedded = new EmbeddedArtemis();
        embedded.start(settings);
      }
      ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url);
      if (factory.getConfirmationWindowSize() < 0) {
        // Without a confirmation window Artemis completes asynchronous sends before the broker
        // has the message; a 202 must mean the broker has it.
        factory.setConfirmationWindowSize(1024 * 1024);
      }
      connection =
          factory.createConnection(settings.user().orElse(null), settings.password().orElse(null));
      connection.setClientID(subscriptionName());
      connection.setExceptionListener(e -> runOnSender(() -> lost(e)));
      sendSession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      Topic topic = sendSession.createTopic(settings.topic());
      producer = sendSession.createProducer(topic);
      producer.setDeliveryMode(DeliveryMode.PERSISTENT);
      producer.setTimeToLive(settings.messageTtlMillis());
      // Acknowledged in batches, not one packet per message: a batch redelivered after a lost
      // connection is dropped by event id (recent), and Artemis' batch (1 MiB of messages of a
      // few hundred bytes at least) stays well inside the RECENT_IDS window.
      receiveSession = connection.createSession(false, Session.DUPS_OK_ACKNOWLEDGE);
      deadLetters = receiveSession.createProducer(receiveSession.createQueue(settings.deadLetterAddress()));
      if (receiving) {
        consumer = receiveSession.createDurableConsumer(receiveSession.createTopic(settings.topic()), subscriptionName());
        consumer.setMessageListener(this::onMessage);
      }
      connection.start();
      connected = true;
      metrics.counter("herald.broker.connects").inc();
      LOG.info(
          "Connected to the broker at " + url + ", topic " + settings.topic() + ", subscription "
              + subscriptionName() + (failedAttempts > 0 ? " after " + failedAttempts + " failed attempts" : ""));
      failedAttempts = 0;
    } catch (Exception e) {
      // One warning per outage; the attempts in between would only flood the log.
      LOG.log(
          failedAttempts++ == 0 ? Level.WARNING : Level.FINE,
          "Broker not reachable (" + e + "); retrying every " + settings.reconnectMillis() + " ms");
      closeQuietly();
      reconnectLater();
    }
  }

  /** Tries again after the pause; a full send queue (publishes failing fast) only delays it. */
  private void reconnectLater() {
    scheduler.schedule(
        () -> {
          try {
            sender.execute(this::connect);
          } catch (RejectedExecutionException full) {
            if (!stopping) {
              reconnectLater();
            }
          }
        },
        settings.reconnectMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void lost(JMSException e) {
    if (!connected) {
      return;
    }
    connected = false;
    LOG.warning("Lost the broker connection (" + e + "); reconnecting");
    closeQuietly();
    reconnectLater();
  }

  @Override
  public CompletableFuture<Void> publish(Envelope envelope) {
    if (!connected) {
      return CompletableFuture.failedFuture(new PublishFailure(PublishFailure.Kind.NOT_CONNECTED));
    }
    CompletableFuture<Void> accepted = new CompletableFuture<>();
    try {
      sender.execute(
          () -> {
            if (accepted.isDone()) {
              return; // the publisher gave up (timeout) before its turn: it was told 503, so never send
            }
            if (!connected) {
              accepted.completeExceptionally(new PublishFailure(PublishFailure.Kind.NOT_CONNECTED));
              return;
            }
            try {
              producer.send(codec.encode(sendSession, envelope), completion(accepted));
            } catch (JMSException | RuntimeException e) {
              accepted.completeExceptionally(PublishFailure.logged(PublishFailure.Kind.BROKER, "Sending " + envelope + " failed", e));
            }
          });
    } catch (RejectedExecutionException full) {
      metrics.counter("herald.bus.refused", new Tag("kind", "send_queue")).inc();
      accepted.completeExceptionally(new PublishFailure(PublishFailure.Kind.OVERLOADED));
    }
    return accepted;
  }

  /** Runs a task on the sender thread; if its queue is full, on a scheduler thread that waits for room. */
  private void runOnSender(Runnable task) {
    try {
      sender.execute(task);
    } catch (RejectedExecutionException full) {
      scheduler.execute(
          () -> {
            try {
              sender.getQueue().put(task); // the sender thread is running; this only waits for room
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
  }

  private static CompletionListener completion(CompletableFuture<Void> accepted) {
    return new CompletionListener() {
      @Override
      public void onCompletion(Message message) {
        accepted.complete(null);
      }

      @Override
      public void onException(Message message, Exception exception) {
        accepted.completeExceptionally(PublishFailure.logged(PublishFailure.Kind.BROKER, "The broker refused a message", exception));
      }
    };
  }

  @Override
  public void signal(Signal signal) {
    if (!connected) {
      return; // ephemeral: a typing notice is worthless by the time the broker is back
    }
    try {
      sender.execute(
          () -> {
            if (!connected) {
              return;
            }
            try {
              producer.send(codec.encode(sendSession, signal), DeliveryMode.NON_PERSISTENT, Message.DEFAULT_PRIORITY, SIGNAL_TTL_MS);
            } catch (JMSException | RuntimeException e) {
              LOG.log(Level.FINE, "Signal dropped", e);
            }
          });
    } catch (RejectedExecutionException full) {
      metrics.counter("herald.bus.refused", new Tag("kind", "signal")).inc();
    }
  }

  /**
   * Runs on the consumer session's thread, one message at a time, in topic order. A message that
   * cannot become an event is dead-lettered; one the bus could not take (it stopped) is not: it
   * goes back to the broker, never to the dead letters.
   */
  private void onMessage(Message message) {
    JmsCodec.Decoded decoded;
    try {
      decoded = codec.decode(message);
    } catch (JmsCodec.Poison poison) {
      deadLetter(message, poison.reason, poison.getMessage());
      return;
    } catch (JMSException | RuntimeException e) {
      deadLetter(message, "unreadable", String.valueOf(e));
      return;
    }
    if (decoded instanceof JmsCodec.Event event) {
      String id = event.envelope().id().toString();
      if (recent.contains(id)) {
        metrics.counter("herald.events.duplicates", new Tag("reason", "redelivered")).inc();
        LOG.info("Dropped " + id + ": delivered already (redelivered by the broker)");
        return;
      }
      receiver.event(event.envelope()); // waits while the bus is full: the backlog stays in the broker
      recent.add(id);
    } else if (decoded instanceof JmsCodec.Notice notice) {
      receiver.signal(notice.signal());
    }
  }

  private void deadLetter(Message message, String reason, String detail) {
    metrics.counter("herald.broker.poison", new Tag("reason", reason)).inc();
    String id = messageId(message);
    LOG.warning("Dead-lettered JMS message " + id + " to " + settings.deadLetterAddress() + ": " + detail);
    try {
      message.setStringProperty("heraldError", reason + ": " + detail);
    } catch (JMSException | RuntimeException readOnly) {
      // received messages may be read-only; the log line above names it either way
    }
    try {
      deadLetters.send(message);
    } catch (JMSException | RuntimeException e) {
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

  @Override
  public boolean connected() {
    return connected;
  }

  /**
   * Closes the consumer: when this returns no message is being handed to the receiver, and what the
   * broker has not handed over stays in the subscription (a reconnect does not open it again).
   */
  @Override
  public void stopReceiving() {
    receiving = false;
    awaitOnSender(
        () -> {
          if (consumer != null) {
            try {
              consumer.close(); // waits for a message being handed over to finish
            } catch (JMSException | RuntimeException e) {
              LOG.log(Level.FINE, "Could not close the consumer", e);
            }
            consumer = null;
          }
        });
  }

  /** Leaves the broker; a random-id instance also removes its subscription (no one resumes it). */
  @Override
  public void close() {
    receiving = false;
    stopping = true;
    connected = false; // publishes still queued fail at once instead of being sent now
    awaitOnSender(
        () -> {
          if (!instance.configured() && receiveSession != null) {
            try {
              receiveSession.close();
              receiveSession = null;
              Session cleanup = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
              cleanup.unsubscribe(subscriptionName());
            } catch (JMSException | RuntimeException e) {
              LOG.log(Level.FINE, "Could not remove the subscription", e);
            }
          }
          closeQuietly();
          if (embedded != null) {
            embedded.stop();
          }
        });
    sender.shutdown();
  }

  /** Runs a task on the sender thread, past the queue's bound, and waits (bounded) for it. */
  private void awaitOnSender(Runnable task) {
    java.util.concurrent.FutureTask<Void> done = new java.util.concurrent.FutureTask<>(task, null);
    try {
      if (!sender.getQueue().offer(done, 10, TimeUnit.SECONDS)) {
        LOG.warning("The broker's sender thread is stuck; leaving without it");
        return;
      }
      done.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.log(Level.WARNING, "Broker shutdown incomplete", e);
    }
  }

  private void closeQuietly() {
    if (connection != null) {
      try {
        connection.close();
      } catch (JMSException | RuntimeException e) {
        // going away anyway
      }
    }
    connection = null;
    sendSession = null;
    producer = null;
    receiveSession = null;
    consumer = null;
    deadLetters = null;
  }
}
