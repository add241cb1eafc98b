package io.herald.bench;

import io.herald.testing.Tokens;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/** Herald: SSE streams, {@code herald.v1} WebSockets, the publish API. */
final class HeraldGateway implements Gateway {
  private final Clients clients;
  private final int port;
  private final String base;
  private final String name;
  /** Where SSE subscribers connect: Herald's stream, or the standard API's (StockSseResource). */
  private final String ssePath;
  private final String subscriber = Tokens.forUser("bench").sign();
  private final String publisher = Tokens.publisher("bench-backend");

  /** @param base the context path, "/" when Herald is deployed at the root */
  HeraldGateway(Clients clients, int port, String base, String name) {
    this(clients, port, base, name, "api/realtime/stream");
  }

  HeraldGateway(Clients clients, int port, String base, String name, String ssePath) {
    this.clients = clients;
    this.port = port;
    this.base = base.endsWith("/") ? base : base + "/";
    this.name = name;
    this.ssePath = ssePath;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean offers(Transport transport) {
    return transport == Transport.SSE || ssePath.equals("api/realtime/stream");
  }

  @Override
  public CompletableFuture<Client> connect(Transport transport, String host, List<String> channels, Sink sink) {
    return transport == Transport.SSE ? sse(host, channels, sink) : ws(host, channels, sink);
  }

  private CompletableFuture<Client> sse(String host, List<String> channels, Sink sink) {
    String query = channels.stream().map(c -> "channel=" + c).collect(Collectors.joining("&"));
    CompletableFuture<Client> ready = new CompletableFuture<>();
    AtomicInteger frames = new AtomicInteger();
    Runnable[] cancel = new Runnable[1];
    cancel[0] =
        clients.sse(
            URI.create("http://" + host + ":" + port + base + ssePath + "?" + query + "&access_token=" + subscriber),
            data -> {
              if (frames.getAndIncrement() == 0) {
                ready.complete(() -> cancel[0].run()); // the connected frame: subscribed
              } else {
                sink.received(data);
              }
            },
            ready::completeExceptionally);
    return ready;
  }

  private CompletableFuture<Client> ws(String host, List<String> channels, Sink sink) {
    CompletableFuture<Client> ready = new CompletableFuture<>();
    AtomicInteger acks = new AtomicInteger();
    clients
        .ws(
            URI.create("ws://" + host + ":" + port + base + "ws"),
            List.of("herald.v1", "bearer." + subscriber),
            (socket, frame) -> {
              // herald.v1 batches the messages of a connection that is behind, one per line
              for (String text : frame.split("\n")) {
                onMessage(socket, text, channels, sink, acks, ready);
              }
            })
        .exceptionally(
            failure -> {
              ready.completeExceptionally(failure);
              return null;
            });
    return ready;
  }

  private static void onMessage(
      WebSocket socket, String text, List<String> channels, Sink sink, AtomicInteger acks, CompletableFuture<Client> ready) {
    if (text.startsWith("{\"type\":\"event\"")) {
      sink.received(text);
    } else if (text.startsWith("{\"type\":\"connected\"")) {
      // one send at a time: the JDK WebSocket refuses a send while another is pending
      CompletableFuture<WebSocket> sent = CompletableFuture.completedFuture(socket);
      for (String channel : channels) {
        String subscribe = "{\"type\":\"subscribe\",\"id\":\"s\",\"channel\":\"" + channel + "\"}";
        sent = sent.thenCompose(ws -> ws.sendText(subscribe, true));
      }
    } else if (text.startsWith("{\"type\":\"ok\"") && acks.incrementAndGet() == channels.size()) {
      ready.complete(() -> socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye"));
    } else if (text.startsWith("{\"type\":\"error\"")) {
      ready.completeExceptionally(new IllegalStateException(text));
    }
  }

  @Override
  public CompletableFuture<Void> publish(String channel, String payload) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + base + "api/channels/" + URLEncoder.encode(channel, StandardCharsets.UTF_8) + "/events"))
            .header("Authorization", "Bearer " + publisher)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"bench\",\"data\":" + payload + "}"))
            .build();
    return clients.publisher.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenAccept(r -> expect(202, r));
  }

  @Override
  public CompletableFuture<Void> publish(List<Item> items) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + base + "api/events"))
            .header("Authorization", "Bearer " + publisher)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Gateway.events(items)))
            .build();
    return clients.publisher.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenAccept(r -> expect(202, r));
  }

  static void expect(int status, HttpResponse<?> response) {
    if (response.statusCode() != status) {
      throw new IllegalStateException("publish answered " + response.statusCode());
    }
  }
}
