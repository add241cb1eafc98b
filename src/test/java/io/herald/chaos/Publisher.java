package io.herald.chaos;

import io.herald.testing.ArtemisBroker;
import io.herald.testing.Cluster;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.TextMessage;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one publisher of a channel, numbering its events 1, 2, 3... in the data ({@code {"seq":n}}),
 * each with its own idempotency key, one at a time: the next only once the last was accepted, so
 * the topic's order is the numbers' order. A refused or unanswered publish is retried with the
 * same key (on any live instance, or the broker again) until accepted, as the docs tell producers
 * to: the key makes the retry safe, so nothing may arrive twice. A WebSocket publisher is a page
 * that publishes over its connection, as chat does.
 */
final class Publisher implements Runnable {
  enum Source {
    HTTP, BATCH, JMS_CORE, JMS_AMQP, WEBSOCKET
  }

  final String channel;
  final Source source;
  private final Chaos chaos;
  private final String token;
  private final Random random;
  private final long intervalMillis;
  /** The highest number accepted: everything up to it is owed to every subscriber. */
  final AtomicInteger accepted = new AtomicInteger();
  final AtomicLong retries = new AtomicLong();
  /** Why publishes were tried again (a status, an error code, an exception's kind), and how often. */
  final java.util.Map<String, AtomicLong> retriedBecause = new java.util.concurrent.ConcurrentSkipListMap<>();
  private JMSContext jms;
  private PublishSocket socket;

  Publisher(String channel, Source source, Chaos chaos, String token, long seed, long intervalMillis) {
    this.channel = channel;
    this.source = source;
    this.chaos = chaos;
    this.token = token;
    this.random = new Random(seed);
    this.intervalMillis = intervalMillis;
  }

  @Override
  public void run() {
    int seq = 1;
    while (!chaos.publishingStopped()) {
      int taken = source == Source.BATCH ? 2 : 1; // a batch carries two numbers
      for (String refused; (refused = publish(seq, taken)) != null; ) {
        retries.incrementAndGet();
        retriedBecause.computeIfAbsent(refused, k -> new AtomicLong()).incrementAndGet();
        sleep(200 + random.nextInt(800));
        if (chaos.stopping()) {
          return;
        }
      }
      accepted.set(seq + taken - 1);
      seq += taken;
      sleep(intervalMillis);
    }
    closeJms();
    closeSocket();
  }

  private String key(int seq) {
    return chaos.runId() + "-" + channel + "-" + seq;
  }

  private static String data(int seq) {
    return "{\"seq\":" + seq + "}";
  }

  /** One try: null once accepted, else why not in a few words. */
  private String publish(int seq, int count) {
    try {
      return switch (source) {
        case HTTP -> http(seq);
        case BATCH -> batch(seq, count);
        case JMS_CORE, JMS_AMQP -> jms(seq);
        case WEBSOCKET -> webSocket(seq);
      };
    } catch (Exception e) {
      closeJms();
      closeSocket();
      return Link.why(e);
    }
  }

  private String http(int seq) throws Exception {
    Chaos.Instance at = chaos.anyLive(random);
    if (at == null) {
      return "no live instance";
    }
    HttpRequest request = HttpRequest.newBuilder(at.server().uri("api/channels/" + channel + "/events"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + token)
        .header("Idempotency-Key", key(seq))
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"chaos\",\"data\":" + data(seq) + "}"))
        .build();
    int status = Link.HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    return status == 202 || status == 200 ? null : "http " + status;
  }

  private String batch(int seq, int count) throws Exception {
    Chaos.Instance at = chaos.anyLive(random);
    if (at == null) {
      return "no live instance";
    }
    StringBuilder events = new StringBuilder("{\"events\":[");
    for (int i = 0; i < count; i++) {
      events.append(i == 0 ? "" : ",")
          .append("{\"channel\":\"").append(channel).append("\",\"event\":\"chaos\",\"data\":").append(data(seq + i))
          .append(",\"idempotencyKey\":\"").append(key(seq + i)).append("\"}");
    }
    HttpRequest request = HttpRequest.newBuilder(at.server().uri("api/events"))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + token)
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(events.append("]}").toString()))
        .build();
    int status = Link.HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    return status == 202 || status == 200 ? null : "http " + status;
  }

  /** A producer of another system: a persistent message to the topic, sent synchronously. */
  private String jms(int seq) throws Exception {
    if (jms == null) {
      ConnectionFactory factory = source == Source.JMS_CORE
          ? new org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory(chaos.broker().url())
          : new org.apache.qpid.jms.JmsConnectionFactory(chaos.broker().amqpUrl());
      if (factory instanceof org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory core) {
        core.setCallTimeout(5000);
        core.setReconnectAttempts(0);
      }
      jms = factory.createContext(ArtemisBroker.PRODUCER, ArtemisBroker.PASSWORD);
    }
    TextMessage message = Cluster.text(jms, data(seq), channel, "chaos", null);
    message.setStringProperty("idempotencyKey", key(seq));
    jms.createProducer().send(jms.createTopic("herald.events"), message);
    return null;
  }

  /** A browser page's publish over its WebSocket (the token's {@code herald_publish} grant allows it). */
  private String webSocket(int seq) throws Exception {
    if (socket == null || socket.ended()) {
      Chaos.Instance at = chaos.anyLive(random);
      if (at == null) {
        return "no live instance";
      }
      socket = PublishSocket.open(at.server(), token);
    }
    return socket.publish(channel, data(seq), key(seq), "p" + seq);
  }

  private void closeSocket() {
    if (socket != null) {
      socket.close();
      socket = null;
    }
  }

  private void closeJms() {
    if (jms != null) {
      try {
        jms.close();
      } catch (RuntimeException ignored) {
        // the broker went away under it
      }
      jms = null;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
