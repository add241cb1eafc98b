package io.herald.bench;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One gateway under test, as the driver sees it: open a subscriber on some channels over a
 * transport, publish to a channel. Each implementation speaks the gateway's own client protocol
 * through the JDK's HTTP and WebSocket clients.
 */
interface Gateway {
  /** How a subscriber is connected. */
  enum Transport {
    SSE,
    WS
  }

  /** Receives the text of every event frame a subscriber gets. */
  interface Sink {
    void received(String frame);
  }

  /** An open subscriber. */
  interface Client {
    void close();
  }

  String name();

  /** Whether this gateway offers the transport (Socket.IO has no SSE). */
  boolean offers(Transport transport);

  /**
   * Opens a subscriber to {@code channels} on {@code host}; completes once it is subscribed, so
   * that whatever is published from then on reaches it.
   */
  CompletableFuture<Client> connect(Transport transport, String host, List<String> channels, Sink sink);

  /** Publishes {@code payload} (a JSON object) to {@code channel}; completes when accepted. */
  CompletableFuture<Void> publish(String channel, String payload);

  /** One message for one channel, as part of a batch. */
  record Item(String channel, String payload) {}

  /**
   * Publishes several messages in one request, through the gateway's own batch publishing (every
   * gateway here has one); completes when all are accepted.
   */
  CompletableFuture<Void> publish(List<Item> items);

  /** {@code {"events": [{"channel", "event", "data"}, ...]}}: Herald's batch, and the Socket.IO peer's. */
  static String events(List<Item> items) {
    StringBuilder body = new StringBuilder("{\"events\":[");
    for (int i = 0; i < items.size(); i++) {
      Item item = items.get(i);
      body.append(i == 0 ? "" : ",")
          .append("{\"channel\":\"").append(item.channel()).append("\",\"event\":\"bench\",\"data\":").append(item.payload()).append('}');
    }
    return body.append("]}").toString();
  }
}
