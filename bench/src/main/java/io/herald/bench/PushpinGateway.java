package io.herald.bench;

import jakarta.json.Json;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pushpin 1.36 (bench/peers/pushpin): SSE and WebSocket through its proxy port, to an origin that
 * subscribes them with GRIP; publishing through its HTTP publish API, one item for both formats.
 */
final class PushpinGateway implements Gateway {
  private final Clients clients;
  private final int port;
  private final int publishPort;

  PushpinGateway(Clients clients, int port, int publishPort) {
    this.clients = clients;
    this.port = port;
    this.publishPort = publishPort;
  }

  @Override
  public String name() {
    return "pushpin";
  }

  /**
   * Only SSE from this driver: the JDK WebSocket client sends {@code Content-Length: 0} in its
   * handshake, to which Pushpin's condure answers with a second {@code Connection: close} header
   * in the 101, and the JDK client refuses that handshake. Pushpin is measured over SSE.
   */
  @Override
  public boolean offers(Transport transport) {
    return transport == Transport.SSE;
  }

  @Override
  public CompletableFuture<Client> connect(Transport transport, String host, List<String> channels, Sink sink) {
    String query = "?channels=" + String.join(",", channels);
    CompletableFuture<Client> ready = new CompletableFuture<>();
    AtomicInteger frames = new AtomicInteger();
    if (transport == Transport.SSE) {
      Runnable[] cancel = new Runnable[1];
      cancel[0] =
          clients.sse(
              URI.create("http://" + host + ":" + port + "/sse" + query),
              data -> {
                if (frames.getAndIncrement() == 0) {
                  ready.complete(() -> cancel[0].run()); // the origin's first frame: held and subscribed
                } else {
                  sink.received(data);
                }
              },
              ready::completeExceptionally);
    } else {
      clients
          .ws(
              URI.create("ws://" + host + ":" + port + "/ws" + query),
              List.of(),
              (socket, text) -> {
                if (frames.getAndIncrement() == 0) {
                  ready.complete(() -> socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye"));
                } else {
                  sink.received(text);
                }
              })
          .exceptionally(failure -> {
            ready.completeExceptionally(failure);
            return null;
          });
    }
    return ready;
  }

  @Override
  public CompletableFuture<Void> publish(String channel, String payload) {
    return publish(List.of(new Item(channel, payload)));
  }

  /** Pushpin's publish API takes a list of items natively: one or many. */
  @Override
  public CompletableFuture<Void> publish(List<Item> items) {
    jakarta.json.JsonArrayBuilder array = Json.createArrayBuilder();
    for (Item item : items) {
      array.add(
          Json.createObjectBuilder()
              .add("channel", item.channel())
              .add(
                  "formats",
                  Json.createObjectBuilder()
                      .add("http-stream", Json.createObjectBuilder().add("content", "event: bench\ndata: " + item.payload() + "\n\n"))
                      .add("ws-message", Json.createObjectBuilder().add("content", item.payload()))));
    }
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + publishPort + "/publish/"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Json.createObjectBuilder().add("items", array).build().toString()))
            .build();
    return clients.publisher.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenAccept(r -> HeraldGateway.expect(200, r));
  }
}
