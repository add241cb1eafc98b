package io.herald.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The JDK's HTTP and WebSocket clients, shared by all gateways: SSE streams read line by line
 * without a thread per stream, WebSockets with whole text messages. Connections are spread over
 * several client instances (each has its own selector thread).
 */
final class Clients {
  private static final int CONNECTIONS_PER_CLIENT = 2000;

  private final ExecutorService executor = Executors.newFixedThreadPool(4, daemon("bench-io"));
  private final List<HttpClient> pool;
  private final AtomicInteger next = new AtomicInteger();
  final HttpClient publisher;

  Clients(int expectedConnections) {
    int n = Math.max(1, (expectedConnections + CONNECTIONS_PER_CLIENT - 1) / CONNECTIONS_PER_CLIENT);
    pool = java.util.stream.IntStream.range(0, n).mapToObj(i -> build()).toList();
    publisher = build();
  }

  private HttpClient build() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(20))
        .executor(executor)
        .build();
  }

  private HttpClient any() {
    return pool.get(Math.floorMod(next.getAndIncrement(), pool.size()));
  }

  /**
   * Opens an SSE stream; {@code onData} gets each {@code data:} line's value, {@code onError} a
   * refusal or failure. Returns what cancels the stream.
   */
  Runnable sse(URI uri, Consumer<String> onData, Consumer<Throwable> onError) {
    return sse(uri, null, onData, onError, () -> {}, () -> {});
  }

  /**
   * As above, resuming from {@code lastEventId} (null: none), with {@code onEnd} told when an open
   * stream ends or fails (the server went away), and {@code onLine} at every line, heartbeat
   * comments included (the stream is alive).
   */
  Runnable sse(URI uri, String lastEventId, Consumer<String> onData, Consumer<Throwable> onError, Runnable onEnd, Runnable onLine) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
    if (lastEventId != null) {
      builder.header("Last-Event-ID", lastEventId);
    }
    HttpRequest request = builder.build();
    LineSubscriber lines = new LineSubscriber(onData, onEnd, onLine);
    HttpResponse.BodyHandler<Void> handler =
        info -> {
          if (info.statusCode() != 200) {
            onError.accept(new IllegalStateException("SSE " + uri.getPath() + " answered " + info.statusCode()));
            return HttpResponse.BodySubscribers.replacing(null);
          }
          return HttpResponse.BodySubscribers.fromLineSubscriber(lines);
        };
    any().sendAsync(request, handler).exceptionally(failure -> {
      onError.accept(failure);
      return null;
    });
    return lines::cancel;
  }

  /** Opens a WebSocket; {@code onText} gets each whole text message, with the socket to answer on. */
  CompletableFuture<WebSocket> ws(URI uri, List<String> subprotocols, java.util.function.BiConsumer<WebSocket, String> onText) {
    WebSocket.Builder builder = any().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(20));
    if (!subprotocols.isEmpty()) {
      builder.subprotocols(subprotocols.get(0), subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
    }
    return builder.buildAsync(uri, new TextListener(onText, () -> {}));
  }

  /** As above, with {@code onGone} told once when the socket closes or fails after opening. */
  CompletableFuture<WebSocket> ws(
      URI uri, List<String> subprotocols, java.util.function.BiConsumer<WebSocket, String> onText, Runnable onGone) {
    WebSocket.Builder builder = any().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(20));
    builder.subprotocols(subprotocols.get(0), subprotocols.subList(1, subprotocols.size()).toArray(String[]::new));
    return builder.buildAsync(uri, new TextListener(onText, onGone));
  }

  void close() {
    executor.shutdownNow();
  }

  static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** SSE lines: hands on {@code data:} values; the response completes only when the stream ends. */
  private static final class LineSubscriber implements Flow.Subscriber<String> {
    private final Consumer<String> onData;
    private final Runnable onEnd;
    private final Runnable onLine;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    LineSubscriber(Consumer<String> onData, Runnable onEnd, Runnable onLine) {
      this.onData = onData;
      this.onEnd = onEnd;
      this.onLine = onLine;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (cancelled) {
        s.cancel();
        return;
      }
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      onLine.run();
      if (line.startsWith("data:")) {
        onData.accept(line.substring(line.charAt(5) == ' ' ? 6 : 5));
      }
    }

    @Override
    public void onError(Throwable throwable) {
      onEnd.run();
    }

    @Override
    public void onComplete() {
      onEnd.run();
    }

    /**
     * Ends the stream, also one whose answer has not come yet: it is ended when it does (a stream
     * given up before its headers came was otherwise read, and served, for the rest of the run).
     */
    void cancel() {
      cancelled = true;
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
    }
  }

  /** Joins fragments into whole text messages. */
  private static final class TextListener implements WebSocket.Listener {
    private final java.util.function.BiConsumer<WebSocket, String> onText;
    private final Runnable onGone;
    private final java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
    private StringBuilder partial;

    TextListener(java.util.function.BiConsumer<WebSocket, String> onText, Runnable onGone) {
      this.onText = onText;
      this.onGone = onGone;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
      if (gone.compareAndSet(false, true)) {
        onGone.run();
      }
      return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
      if (gone.compareAndSet(false, true)) {
        onGone.run();
      }
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      if (last && partial == null) {
        onText.accept(socket, data.toString());
      } else {
        if (partial == null) {
          partial = new StringBuilder();
        }
        partial.append(data);
        if (last) {
          onText.accept(socket, partial.toString());
          partial = null;
        }
      }
      socket.request(1);
      return null;
    }
  }
}
