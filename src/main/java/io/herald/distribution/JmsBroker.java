package io.herald.distribution;

import io.herald.bus.Envelope;
import io.herald.bus.InstanceIdentity;
import io.herald.bus.Signal;
import io.herald.channel.Channels;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.jms.CompletionListener;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.Topic;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
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
  private final ExecutorService sender;
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
  private int failedAttempts;
  private EmbeddedArtemis embedded;
  // Touched by the connect task and the sender thread only, never concurrently with a send.
  private Connection connection;
  private Session sendSession;
  private MessageProducer producer;
  private Session receiveSession;
  private MessageProducer deadLetters;

  JmsBroker(
      JmsSettings settings,
      InstanceIdentity instance,
      Channels channels,
      String defaultTenant,
      MetricRegistry metrics,
      ManagedScheduledExecutorService scheduler,
      ExecutorService sender) {
    this.settings = settings;
    this.instance = instance;
    this.metrics = metrics;
    this.scheduler = scheduler;
    this.sender = sender;
    this.codec = new JmsCodec(channels, settings.maxMessageBytes(), defaultTenant);
  }

  @Override
  public void start(Receiver receiver) {
    this.receiver = receiver;
    java.util.concurrent.Future<?> first = sender.submit(this::connect);
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
      connection.setExceptionListener(e -> sender.execute(() -> lost(e)));
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
      receiveSession
          .createDurableConsumer(receiveSession.createTopic(settings.topic()), subscriptionName())
          .setMessageListener(this::onMessage);
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
      scheduler.schedule(() -> sender.execute(this::connect), settings.reconnectMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void lost(JMSException e) {
    if (!connected) {
      return;
    }
    connected = false;
    LOG.warning("Lost the broker connection (" + e + "); reconnecting");
    closeQuietly();
    scheduler.schedule(() -> sender.execute(this::connect), settings.reconnectMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public CompletionStage<Void> publish(Envelope envelope) {
    CompletableFuture<Void> accepted = new CompletableFuture<>();
    sender.execute(
        () -> {
          if (!connected) {
            accepted.completeExceptionally(new IllegalStateException("The broker is not connected."));
            return;
          }
          try {
            producer.send(codec.encode(sendSession, envelope), completion(accepted));
          } catch (JMSException | RuntimeException e) {
            accepted.completeExceptionally(e);
          }
        });
    return accepted;
  }

  private static CompletionListener completion(CompletableFuture<Void> accepted) {
    return new CompletionListener() {
      @Override
      public void onCompletion(Message message) {
        accepted.complete(null);
      }

      @Override
      public void onException(Message message, Exception exception) {
        accepted.completeExceptionally(exception);
      }
    };
  }

  @Override
  public void signal(Signal signal) {
    sender.execute(
        () -> {
          if (!connected) {
            return; // ephemeral: a typing notice is worthless by the time the broker is back
          }
          try {
            producer.send(codec.encode(sendSession, signal), DeliveryMode.NON_PERSISTENT, Message.DEFAULT_PRIORITY, SIGNAL_TTL_MS);
          } catch (JMSException | RuntimeException e) {
            LOG.log(Level.FINE, "Signal dropped", e);
          }
        });
  }

  /** Runs on the consumer session's thread, one message at a time, in topic order. */
  private void onMessage(Message message) {
    try {
      JmsCodec.Decoded decoded = codec.decode(message);
      if (decoded instanceof JmsCodec.Event event) {
        if (recent.add(event.envelope().id().toString())) {
          receiver.event(event.envelope());
        }
      } else if (decoded instanceof JmsCodec.Notice notice) {
        receiver.signal(notice.signal());
      }
    } catch (JmsCodec.Poison poison) {
      deadLetter(message, poison.reason, poison.getMessage());
    } catch (JMSException | RuntimeException e) {
      deadLetter(message, "unreadable", String.valueOf(e));
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

  /** Leaves the broker; a random-id instance also removes its subscription (no one resumes it). */
  void stop() {
    stopping = true;
    try {
      sender
          .submit(
              () -> {
                connected = false;
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
              })
          .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.log(Level.WARNING, "Broker shutdown incomplete", e);
    }
    sender.shutdown();
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
    deadLetters = null;
  }
}
