package io.herald.distribution;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.herald.channel.Channels;
import io.herald.testing.Fuzz;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.Message;
import jakarta.jms.Topic;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzz of reading JMS messages, as they arrive from a real (in-VM) Artemis broker: a
 * producer's message, or one on the internal topic, is read or refused with one of the documented
 * dead-letter reasons (docs/jms.md), never anything else.
 */
class JmsCodecFuzzTest {
  private static final Set<String> REASONS =
      Set.of(
          "no_channel", "no_event", "invalid_channel", "invalid_event", "no_tenant", "bad_json", "bad_encoding",
          "too_large", "unsupported", "unknown_kind", "no_id");
  private static final List<String> BODIES =
      List.of(
          "{\"pct\":42,\"tags\":[\"a\"]}",
          "{\"specversion\":\"1.0\",\"id\":\"ce-1\",\"source\":\"/erp\",\"type\":\"job.done\",\"subject\":\"jobs.42\",\"tenant\":\"acme\",\"data\":{\"r\":1}}");
  private static final String[] PROPERTY_VALUES = {
    null, "jobs.42", "chat.lobby", "Jobs.42", "jobs.*", "", " ", "job.update", "connected", "x".repeat(300), "acme",
    "1795445796241-0-abc", "1-2", "typing", "event", "\u00e9\u4e2d", "a\nb"
  };

  /** Artemis logs an audit line per message; kept (strongly) at WARNING, as Herald does. */
  private static final java.util.logging.Logger AUDIT = java.util.logging.Logger.getLogger("org.apache.activemq.audit");

  private static EmbeddedActiveMQ broker;
  private static JMSContext jms;

  @BeforeAll
  static void start() throws Exception {
    AUDIT.setLevel(java.util.logging.Level.WARNING);
    broker = new EmbeddedActiveMQ();
    broker.setConfiguration(
        new ConfigurationImpl().setPersistenceEnabled(false).setSecurityEnabled(false).addAcceptorConfiguration("in-vm", "vm://7"));
    broker.start();
    jms = new ActiveMQConnectionFactory("vm://7").createContext();
  }

  @AfterAll
  static void stop() throws Exception {
    jms.close();
    broker.stop();
  }

  @Test
  void everyMessageIsReadOrDeadLetteredForADocumentedReason() throws Exception {
    JmsCodec codec = new JmsCodec(Channels.withMaxLength(128), 4096, null);
    Fuzz fuzz = new Fuzz(Fuzz.SEED);
    Random random = fuzz.random();
    Topic topic = jms.createTopic("fuzz");
    int read = 0;
    try (JMSConsumer consumer = jms.createConsumer(topic)) {
      for (int round = 0; round < 20; round++) {
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          Message m = message(fuzz, random);
          sent.add(String.valueOf(m));
          jms.createProducer().send(topic, m);
        }
        for (int i = 0; i < sent.size(); i++) {
          Message received = consumer.receive(5000);
          String at = "seed " + Fuzz.SEED + ", round " + round + ", message " + i + ": " + sent.get(i);
          try {
            codec.decodeProduced(received);
            read++;
          } catch (JmsCodec.Poison poison) {
            check(at, poison);
          } catch (RuntimeException | StackOverflowError e) {
            fail(at + ": " + e, e);
          }
          try {
            codec.decodeInternal(received);
          } catch (JmsCodec.Poison poison) {
            check(at, poison);
          } catch (RuntimeException | StackOverflowError e) {
            fail(at + " (as internal): " + e, e);
          }
        }
      }
    }
    assertTrue(read > 50, "some variants are still read: the fuzz reaches past the checks (" + read + ")");
  }

  private static void check(String at, JmsCodec.Poison poison) {
    if (!REASONS.contains(poison.reason)) {
      fail(at + ": undocumented reason " + poison.reason);
    }
  }

  private static Message message(Fuzz fuzz, Random random) throws Exception {
    String body = random.nextInt(4) == 0 ? fuzz.pick(BODIES) : fuzz.mutate(fuzz.pick(BODIES));
    Message m;
    switch (random.nextInt(5)) {
      case 0 -> {
        BytesMessage bytes = jms.createBytesMessage();
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        if (random.nextBoolean() && raw.length > 0) {
          raw[random.nextInt(raw.length)] = (byte) (0x80 + random.nextInt(0x40)); // broken UTF-8
        }
        bytes.writeBytes(raw);
        m = bytes;
      }
      case 1 -> m = jms.createMapMessage();
      case 2 -> m = jms.createTextMessage("\"" + "x".repeat(5000) + "\"");
      default -> m = jms.createTextMessage(random.nextInt(10) == 0 ? null : body);
    }
    for (String property : new String[] {"channel", "event", "tenant", "idempotencyKey", "publisher", "kind", "heraldId", "userId"}) {
      String value = PROPERTY_VALUES[random.nextInt(PROPERTY_VALUES.length)];
      if (value != null) {
        m.setStringProperty(property, value);
      }
    }
    if (random.nextInt(8) == 0) {
      m.setLongProperty("heraldTimestamp", random.nextLong());
    }
    if (random.nextInt(8) == 0) {
      m.setIntProperty("channel", 42); // a property of another type
    }
    return m;
  }
}
