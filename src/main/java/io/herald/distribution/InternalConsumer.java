package io.herald.distribution;

import io.herald.bus.Broker;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * Hands what arrives on the internal topic to the bus, on the consumer session's thread, one
 * message at a time, in topic order. A message that cannot become an event is dead-lettered; one
 * the bus could not take (it stopped) is not: it goes back to the broker, never to the dead
 * letters. A redelivered event (its acknowledgement was lost with a connection) is dropped by its
 * id, counted and logged. This instance's barrier ({@link CatchUp}) goes through the bus like an
 * event, so that it is reached only once all before it is delivered; other instances' are skipped.
 */
final class InternalConsumer {
  private static final Logger LOG = Logger.getLogger(InternalConsumer.class.getName());
  /**
   * Event ids delivered lately. Acknowledgements go in batches of about 1 MiB of messages, so a
   * batch redelivered after a lost connection is well inside this window.
   */
  private static final int RECENT_IDS = 10_000;

  private final JmsCodec codec;
  private final Broker.Receiver receiver;
  private final MetricRegistry metrics;
  private final CatchUp catchUp;
  private final Set<String> recent =
      Collections.newSetFromMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
              return size() > RECENT_IDS;
            }
          });
  private volatile DeadLetters deadLetters;

  InternalConsumer(JmsCodec codec, Broker.Receiver receiver, MetricRegistry metrics, CatchUp catchUp) {
    this.codec = codec;
    this.receiver = receiver;
    this.metrics = metrics;
    this.catchUp = catchUp;
  }

  /** Where poison goes on this connection (a reconnection brings a new session). */
  void deadLettersTo(DeadLetters deadLetters) {
    this.deadLetters = deadLetters;
  }

  /** One message at a time, whichever thread hands it over (a listener, or a receive loop across a reconnect). */
  synchronized void onMessage(Message message) {
    JmsCodec.Decoded decoded;
    try {
      decoded = codec.decodeInternal(message);
    } catch (JmsCodec.Poison poison) {
      deadLetter(message, poison.reason, poison.getMessage());
      return;
    } catch (JMSException | RuntimeException e) {
      deadLetter(message, "unreadable", String.valueOf(e));
      return;
    }
    if (!(decoded instanceof JmsCodec.Barrier)) {
      catchUp.took();
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
    } else if (decoded instanceof JmsCodec.Barrier barrier && catchUp.awaits(barrier.token())) {
      receiver.barrier(() -> catchUp.reached(barrier.token()));
    }
  }

  private void deadLetter(Message message, String reason, String detail) {
    try {
      deadLetters.send(message, reason, detail);
    } catch (JMSException | RuntimeException e) {
      LOG.log(Level.WARNING, "Could not dead-letter a message", e);
    }
  }
}
