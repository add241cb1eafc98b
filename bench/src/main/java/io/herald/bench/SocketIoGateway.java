package io.herald.bench;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Socket.IO 4.8 (bench/peers/socketio): its Engine.IO 4 / Socket.IO 5 wire protocol over a
 * WebSocket, as the official client speaks it with {@code transports: ["websocket"]}: open
 * {@code 0}, connect {@code 40}, events {@code 42[...]}, ping {@code 2} answered with {@code 3}.
 */
final class SocketIoGateway implements Gateway {
  private final Clients clients;
  private final int port;

  SocketIoGateway(Clients clients, int port) {
    this.clients = clients;
    this.port = port;
  }

  @Override
  public String name() {
    return "socketio";
  }

  @Override
  public boolean offers(Transport transport) {
    return transport == Transport.WS; // its fallback is long-polling, not SSE
  }

  @Override
  public CompletableFuture<Client> connect(Transport transport, String host, List<String> channels, Sink sink) {
    CompletableFuture<Client> ready = new CompletableFuture<>();
    clients
        .ws(
            URI.create("ws://" + host + ":" + port + "/socket.io/?EIO=4&transport=websocket&channels=" + String.join(",", channels)),
            List.of(),
            (socket, text) -> {
              if (text.startsWith("42")) {
                sink.received(text);
              } else if (text.equals("2")) {
                socket.sendText("3", true);
              } else if (text.startsWith("40")) {
                ready.complete(() -> socket.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye"));
              } else if (text.startsWith("0")) {
                socket.sendText("40", true);
              } else if (text.startsWith("44")) {
                ready.completeExceptionally(new IllegalStateException(text));
              }
            })
        .exceptionally(
            failure -> {
              ready.completeExceptionally(failure);
              return null;
            });
    return ready;
  }

  @Override
  public CompletableFuture<Void> publish(String channel, String payload) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/publish"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"" + channel + "\",\"event\":\"bench\",\"data\":" + payload + "}"))
            .build();
    return clients.publisher.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenAccept(r -> HeraldGateway.expect(202, r));
  }

  @Override
  public CompletableFuture<Void> publish(List<Item> items) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/publish"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Gateway.events(items)))
            .build();
    return clients.publisher.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenAccept(r -> HeraldGateway.expect(202, r));
  }
}
