package io.herald.testing;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real WebSocket client (the JDK's) speaking {@code herald.v1}: queues every message it receives,
 * records how the server closed it, and can stop reading altogether to play a slow consumer.
 */
public final class WsClient implements AutoCloseable {
  /** How the server closed the connection. */
  public record Close(int code, String reason) {}

  private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  /** Frames passed over while looking for a particular one; later reads see them first. */
  private final java.util.Deque<JsonObject> skipped = new java.util.ArrayDeque<>();
  private final CompletableFuture<Close> closed = new CompletableFuture<>();
  private final AtomicInteger ids = new AtomicInteger();
  private final AtomicInteger textFrames = new AtomicInteger();
  private volatile boolean reading;
  private volatile WebSocket socket;
  private final WsText text = new WsText();

  private WsClient(boolean reading) {
    this.reading = reading;
  }

  /** Text frames received so far; fewer than the messages when the server batched some. */
  public int textFramesReceived() {
    return textFrames.get();
  }

  /** Connects with the token in the {@code bearer.<jwt>} subprotocol beside {@code herald.v1}. */
  public static WsClient connect(Server server, String token) {
    return connect(server.wsUri("ws"), List.of("herald.v1", "bearer." + token), true);
  }

  /** Connects with the token as the {@code access_token} query parameter. */
  public static WsClient connectWithQueryToken(Server server, String token) {
    return connect(server.wsUri("ws?access_token=" + token), List.of("herald.v1"), true);
  }

  /** Connects but never reads a frame after the first: the server's sends back up. */
  public static WsClient connectNotReading(Server server, String token) {
    return connect(server.wsUri("ws"), List.of("herald.v1", "bearer." + token), false);
  }

  /** Connects as a page of {@code origin} would (browsers always send it). */
  public static WsClient connectFrom(Server server, String token, String origin) {
    return connect(server.wsUri("ws"), List.of("herald.v1", "bearer." + token), true, origin);
  }

  public static WsClient connect(URI uri, List<String> protocols, boolean reading) {
    return connect(uri, protocols, reading, java.util.Map.of());
  }

  /** Connects through a proxy that says who the client is ({@code X-Forwarded-For}). */
  /** How opening connections one after another went: how many were let in, and the refusal that ended it (null if none). */
  public record Admission(int accepted, Close refused) {}

  /**
   * Opens connections with {@code open} (given 0, 1, ...) until one is refused or {@code attempts}
   * were made. Every one opened is added to {@code opened}, for the caller to close.
   */
  public static Admission openUntilRefused(int attempts, java.util.function.IntFunction<WsClient> open, List<WsClient> opened)
      throws InterruptedException {
    int accepted = 0;
    for (int i = 0; i < attempts; i++) {
      WsClient ws = open.apply(i);
      opened.add(ws);
      JsonObject first = ws.poll(Timeouts.EVENT);
      if (first == null || !"connected".equals(first.getString("type"))) {
        return new Admission(accepted, ws.awaitClose(Timeouts.EVENT));
      }
      accepted++;
    }
    return new Admission(accepted, null);
  }

  public static WsClient connectForwardedFor(Server server, String token, String forwardedFor) {
    return connect(server.wsUri("ws"), List.of("herald.v1", "bearer." + token), true, java.util.Map.of("X-Forwarded-For", forwardedFor));
  }

  private static WsClient connect(URI uri, List<String> protocols, boolean reading, String origin) {
    return connect(uri, protocols, reading, origin == null ? java.util.Map.of() : java.util.Map.of("Origin", origin));
  }

  private static WsClient connect(URI uri, List<String> protocols, boolean reading, java.util.Map<String, String> headers) {
    WsClient client = new WsClient(reading);
    WebSocket.Builder builder = Server.http().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    headers.forEach(builder::header);
    if (!protocols.isEmpty()) {
      builder.subprotocols(protocols.get(0), protocols.subList(1, protocols.size()).toArray(String[]::new));
    }
    try {
      client.socket = builder.buildAsync(uri, client.listener()).join();
    } catch (CompletionException e) {
      throw new IllegalStateException("WebSocket handshake failed: " + e.getCause(), e.getCause());
    }
    return client;
  }

  private WebSocket.Listener listener() {
    return new WebSocket.Listener() {
      @Override
      public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
      }

      @Override
      public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        for (String message : text.messages(data, last)) {
          frames.add(Json.createReader(new StringReader(message)).readObject());
        }
        if (last) {
          textFrames.incrementAndGet();
        }
        if (reading) {
          webSocket.request(1);
        }
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(new Close(statusCode, reason));
        return null;
      }

      @Override
      public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(new Close(-1, String.valueOf(error)));
      }
    };
  }

  /** A client that stopped reading starts again, taking everything the server sent meanwhile. */
  public void resumeReading() {
    reading = true;
    socket.request(Long.MAX_VALUE);
  }

  /** The subprotocol the server chose. */
  public String subprotocol() {
    return socket.getSubprotocol();
  }

  /** Sends a JSON text frame as given. */
  public void sendRaw(String text) {
    socket.sendText(text, true).join();
  }

  /** Sends a binary frame (not part of herald.v1). */
  public void sendBinary(byte[] data) {
    socket.sendBinary(java.nio.ByteBuffer.wrap(data), true).join();
  }

  /** Sends a message with a fresh {@code id}, returning that id. */
  public String request(String type, String fieldsJson) {
    String id = "r" + ids.incrementAndGet();
    String fields = fieldsJson.isBlank() ? "" : "," + fieldsJson;
    sendRaw("{\"type\":\"" + type + "\",\"id\":\"" + id + "\"" + fields + "}");
    return id;
  }

  /** Sends a request and waits for the reply that refers to it ({@code ok} or {@code error}). */
  public JsonObject call(String type, String fieldsJson) throws InterruptedException {
    String id = request(type, fieldsJson);
    return next(f -> id.equals(f.getString("ref", null)));
  }

  /** Subscribes and asserts the server said ok. */
  public void subscribe(String channel) throws InterruptedException {
    JsonObject reply = call("subscribe", "\"channel\":\"" + channel + "\"");
    if (!"ok".equals(reply.getString("type"))) {
      throw new AssertionError("subscribe " + channel + " refused: " + reply);
    }
  }

  /** The next frame, or null if none arrives in time. */
  public synchronized JsonObject poll(Duration timeout) throws InterruptedException {
    if (!skipped.isEmpty()) {
      return skipped.poll();
    }
    return frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next frame, failing the test if none arrives within {@link Timeouts#EVENT}. */
  public JsonObject next() throws InterruptedException {
    JsonObject frame = poll(Timeouts.EVENT);
    if (frame == null) {
      throw new AssertionError("no frame within " + Timeouts.EVENT);
    }
    return frame;
  }

  /**
   * The next frame matching {@code wanted}. Frames before it are kept, in order, for later reads:
   * a reply and an event may arrive in either order.
   */
  public synchronized JsonObject next(Predicate<JsonObject> wanted) throws InterruptedException {
    for (java.util.Iterator<JsonObject> it = skipped.iterator(); it.hasNext(); ) {
      JsonObject frame = it.next();
      if (wanted.test(frame)) {
        it.remove();
        return frame;
      }
    }
    long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
    while (System.nanoTime() < deadline) {
      JsonObject frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (frame == null) {
        break;
      }
      if (wanted.test(frame)) {
        return frame;
      }
      skipped.add(frame);
    }
    throw new AssertionError("no matching frame within " + Timeouts.EVENT + "; passed over: " + skipped);
  }

  /** The next frame of a type, skipping others. */
  public JsonObject nextOfType(String type) throws InterruptedException {
    return next(f -> type.equals(f.getString("type")));
  }

  /** How the server closed it, waiting up to {@code timeout}; null if still open. */
  public Close awaitClose(Duration timeout) {
    try {
      return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      return null;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public boolean isOpen() {
    return !closed.isDone() && !socket.isInputClosed();
  }

  @Override
  public void close() {
    if (socket != null && !socket.isOutputClosed()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
    }
    if (socket != null) {
      socket.abort();
    }
  }
}
