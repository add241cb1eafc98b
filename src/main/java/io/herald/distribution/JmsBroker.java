package io.herald.distribution;

import io.herald.bus.Broker;
import io.herald.bus.Envelope;
import io.herald.bus.InstanceIdentity;
import io.herald.bus.PublishFailure;
import io.herald.bus.Signal;
import io.herald.channel.Channels;
import java.util.concurrent.ScheduledExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.jms.CompletionListener;
import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * Distribution over JMS (ActiveMQ Artemis). Instances talk over an internal topic that only Herald
 * may send to: every instance publishes its events there and consumes all of it through a durable
 * subscription of its own, so events published while an instance reconnects wait for it in the
 * broker. An instance's own events reach its subscribers only through the topic, hence once, and in
 * the topic's order like everyone else's. Other systems publish to the ingress topic instead,
 * which {@link JmsIngress} moves onto the internal one.
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

  private final JmsSettings settings;
  private final InstanceIdentity instance;
  private final MetricRegistry metrics;
  private final ScheduledExecutorService scheduler;
  private final ManagedThreadFactory threads;
  private final SendThread sender;
  private final JmsCodec codec;
  private final JmsSource source;
  /** Kept across reconnections: it knows what was delivered lately, against redeliveries. */
  private InternalConsumer internal;
  private final CatchUp catchUp;

  private volatile Receiver receiver;
  private volatile boolean connected;
  private volatile boolean stopping;
  private volatile boolean receiving = true;
  private int failedAttempts;
  // Touched by the connect task and the sender thread only, never concurrently with a send.
  private Connection connection;
  /** The receiving session's, with the client id; {@link #connection} sends. */
  private Connection receiveConnection;
  private Connection ingressConnection;
  private Session sendSession;
  private MessageProducer producer;
  private Session receiveSession;
  private MessageConsumer consumer;
  /** Where listeners are not allowed (an app server's JMS): the loop that receives instead. */
  private ReceiveLoop loop;
  private JmsIngress ingress;

  JmsBroker(
      JmsSource source,
      JmsSettings settings,
      InstanceIdentity instance,
      Channels channels,
      MetricRegistry metrics,
      ScheduledExecutorService scheduler,
      ManagedThreadFactory threads) {
    this.source = source;
    this.settings = settings;
    this.instance = instance;
    this.metrics = metrics;
    this.scheduler = scheduler;
    this.threads = threads;
    this.sender = new SendThread(settings.sendQueueSize(), threads, scheduler);
    metrics.gauge("herald.broker.send.queue.depth", sender, SendThread::depth);
    this.codec = new JmsCodec(channels, settings.maxMessageBytes(), settings.ingressDefaultTenant().orElse(null));
    this.catchUp = new CatchUp(subscriptionName(), CatchUp.RESEND_MILLIS, scheduler, new CatchUp.Barriers() {
      @Override
      public void send(String token) throws JMSException {
        producer.send(codec.barrier(sendSession, token), DeliveryMode.PERSISTENT, Message.DEFAULT_PRIORITY, settings.messageTtlMillis());
      }

      @Override
      public void onSender(Runnable task) {
        sender.eventually(() -> {
          if (connected) { // closed or lost meanwhile: the next connection sends its own
            task.run();
          }
        });
      }

      @Override
      public void failed(Exception e) {
        lost(e);
      }
    });
  }

  @Override
  public void start(Receiver receiver) {
    this.receiver = receiver;
    this.internal = new InternalConsumer(codec, receiver, metrics, catchUp);
    java.util.concurrent.Future<?> first = sender.submit(this::connect); // the queue is empty now
    if (settings.url().isEmpty() && !source.managed()) {
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
    boolean managed = source.managed();
    try {
      // A client id of its own: a second instance started by mistake with the same id is refused.
      // It goes on the receiving connection, which confirms no sends, so that the broker lets go
      // of it at once when it breaks (ArtemisSource); sends go over one of their own.
      receiveConnection = source.connection(managed ? null : subscriptionName(), false);
      connection = source.connection(null, true);
      if (!managed) {
        receiveConnection.setExceptionListener(e -> sender.eventually(() -> lost(e)));
        connection.setExceptionListener(e -> sender.eventually(() -> lost(e)));
      }
      sendSession = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
      producer = sendSession.createProducer(source.internal(sendSession));
      producer.setDeliveryMode(DeliveryMode.PERSISTENT);
      producer.setTimeToLive(settings.messageTtlMillis());
      // Acknowledged in batches, not one packet per message: a batch redelivered after a lost
      // connection is dropped by event id (recent), and Artemis' batch (1 MiB of messages of a
      // few hundred bytes at least) stays well inside the RECENT_IDS window.
      receiveSession = receiveConnection.createSession(false, Session.DUPS_OK_ACKNOWLEDGE);
      internal.deadLettersTo(
          new DeadLetters(receiveSession.createProducer(source.deadLetters(receiveSession)), settings.deadLetterAddress(), this::poisoned));
      if (receiving) {
        if (managed) {
          // no client id here: a shared subscription that only this instance uses is its own
          consumer = receiveSession.createSharedDurableConsumer(source.internal(receiveSession), subscriptionName());
          loop = new ReceiveLoop(consumer, internal::onMessage, this::failed, threads, "herald-receive");
        } else {
          consumer = receiveSession.createDurableConsumer(source.internal(receiveSession), subscriptionName());
          consumer.setMessageListener(internal::onMessage);
        }
      }
      // The ingress shares a subscription with the other instances: no client id on its connection.
      ingressConnection = source.connection(null, false); // transacted: its commits wait for the broker
      if (!managed) {
        ingressConnection.setExceptionListener(e -> sender.eventually(() -> lost(e)));
      }
      if (receiving) {
        ingress = new JmsIngress(ingressConnection, source, settings, codec, receiver, this::poisoned, this::failed, threads);
      }
      connection.start();
      receiveConnection.start();
      ingressConnection.start();
      if (receiving) {
        catchUp.connected(); // a barrier behind the backlog the subscription kept
      }
      connected = true;
      if (ingress != null) {
        ingress.start();
      }
      if (loop != null) {
        loop.start();
      }
      metrics.counter("herald.broker.connects").inc();
      LOG.info(
          "Connected to " + source.describe() + ": topic " + settings.internalTopic() + " (subscription "
              + subscriptionName() + "), producers' topic " + settings.topic()
              + (failedAttempts > 0 ? ", after " + failedAttempts + " failed attempts" : ""));
      failedAttempts = 0;
    } catch (Exception e) {
      // One warning per outage; the attempts in between would only flood the log.
      LOG.log(
          failedAttempts++ == 0 ? Level.WARNING : Level.FINE,
          "Broker not reachable (" + e + "); retrying every " + settings.reconnectMillis() + " ms");
      catchUp.lost();
      closeQuietly(true);
      reconnectLater();
    }
  }

  private void poisoned(String reason) {
    metrics.counter("herald.broker.poison", new Tag("reason", reason)).inc();
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

  /** A receiving loop failed: the connection is gone, as an exception listener would have said. */
  private void failed(Exception e) {
    sender.eventually(() -> lost(e));
  }

  private void lost(Exception e) {
    if (!connected) {
      return;
    }
    connected = false;
    catchUp.lost();
    LOG.warning("Lost the broker connection (" + e + "); reconnecting");
    closeQuietly(true);
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
              if (source.managed()) {
                // the container forbids asynchronous sends: this one returns once the broker has it
                producer.send(codec.encode(sendSession, envelope));
                accepted.complete(null);
              } else {
                producer.send(codec.encode(sendSession, envelope), completion(accepted));
              }
            } catch (JMSException | RuntimeException e) {
              accepted.completeExceptionally(PublishFailure.logged(PublishFailure.Kind.BROKER, "Sending " + envelope + " failed", e));
              if (source.managed() && e instanceof JMSException failure) {
                lost(failure); // no exception listener there: a failed call is how a lost broker shows
              }
            }
          });
    } catch (RejectedExecutionException full) {
      metrics.counter("herald.bus.refused", new Tag("kind", "send_queue")).inc();
      accepted.completeExceptionally(new PublishFailure(PublishFailure.Kind.OVERLOADED));
    }
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

  @Override
  public boolean connected() {
    return connected;
  }

  @Override
  public boolean behind() {
    return catchUp.behind();
  }

  /**
   * Stops taking messages: the ingress after the batch in hand, the consumer once the message it
   * is handing over is taken. What the broker has not handed over stays in the subscriptions (a
   * reconnect does not open them again).
   */
  @Override
  public void stopReceiving() {
    receiving = false;
    sender.await(
        () -> {
          if (loop != null) {
            loop.stop(); // after the message it is handing over
            loop = null;
          }
          if (ingress != null) {
            ingress.stop();
            ingress = null;
          }
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
    catchUp.lost(); // no barrier is sent again
    sender.await(
        () -> {
          if (ingress != null) {
            ingress.stop();
          }
          if (!instance.configured() && receiveSession != null) {
            try {
              receiveSession.close();
              receiveSession = null;
              receiveConnection.createSession(false, Session.AUTO_ACKNOWLEDGE).unsubscribe(subscriptionName());
            } catch (JMSException | RuntimeException e) {
              LOG.log(Level.FINE, "Could not remove the subscription", e);
            }
          }
          closeQuietly(false);
          source.close();
        });
    sender.shutdown();
  }

  /**
   * Closes the connections; {@code lost}: one of them broke (or an attempt failed), so the rest
   * are let go of without waiting for the broker's answers ({@link JmsSource#abandon}), which
   * would hold up the reconnect on this thread for as long as a broken connection takes to be
   * found out. Otherwise (leaving) each closes in order, so the broker hears of it at once.
   */
  private void closeQuietly(boolean lost) {
    // The connections close now: what the receive loop throws next is not news. The ingress is
    // NOT halted first: halted, it would close its session itself, over a connection the broker
    // has already dropped, and wait out the call timeout (30 s, measured in ClusterIT) holding
    // the connection that this thread closes next; with its connection closed under it, its
    // receive fails at once, and the failure it reports is dropped (no longer connected).
    if (loop != null) {
      loop.halt();
    }
    for (Connection c : new Connection[] {ingressConnection, receiveConnection, connection}) {
      if (c == null) {
        continue;
      }
      if (lost) {
        source.abandon(c);
        continue;
      }
      try {
        c.close();
      } catch (JMSException | RuntimeException e) {
        // going away anyway
      }
    }
    if (loop != null) {
      loop.stop(); // its receive ends with its connection; a reconnect must not start a second one beside it
    }
    if (ingress != null) {
      ingress.stop(); // its connection is closed: its loop ends at once
    }
    connection = null;
    receiveConnection = null;
    ingressConnection = null;
    loop = null;
    sendSession = null;
    producer = null;
    receiveSession = null;
    consumer = null;
    ingress = null;
  }
}
