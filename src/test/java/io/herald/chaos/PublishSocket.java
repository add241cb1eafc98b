package io.herald.chaos;

import io.herald.testing.Server;
import io.herald.testing.WsText;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client that publishes ({@code herald.v1} {@code publish}, docs/protocol.md), as a
 * chat page does: one message at a time, each answered {@code ok} (taken) or {@code error}. Kept
 * open between publishes; once it has ended, the publisher opens another, anywhere.
 */
final class PublishSocket implements WebSocket.Listener {
  private final BlockingQueue<JsonObject> answers = new LinkedBlockingQueue<>();
  private final WsText text = new WsText();
  private volatile WebSocket socket;
  private volatile boolean ended;

  private PublishSocket() {}

  static PublishSocket open(Server server, String token) throws Exception {
    PublishSocket s = new PublishSocket();
    s.socket = Link.HTTP.newWebSocketBuilder()
        .subprotocols("herald.v1", "bearer." + token)
        .connectTimeout(Duration.ofSeconds(5))
        .buildAsync(server.wsUri("ws"), s)
        .get(10, TimeUnit.SECONDS);
    return s;
  }

  boolean ended() {
    return ended;
  }

  /** One publish, with the idempotency key that makes its retry safe: null once it is taken, else why not. */
  String publish(String channel, String data, String key, String id) throws Exception {
    String message = "{\"type\":\"publish\",\"id\":\"" + id + "\",\"channel\":\"" + channel + "\",\"event\":\"chaos\",\"data\":" + data
        + ",\"echo\":false,\"idempotencyKey\":\"" + key + "\"}";
    socket.sendText(message, true).get(10, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!ended) {
      JsonObject answer = answers.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (answer == null) {
        close(); // unanswered: the link is no good
        return "ws unanswered";
      }
      if (id.equals(answer.getString("ref", null))) {
        return "ok".equals(answer.getString("type", "")) ? null : "ws " + answer.getString("code", answer.getString("type", "?"));
      }
    }
    return "ws ended";
  }

  void close() {
    ended = true;
    WebSocket s = socket;
    if (s != null) {
      s.abort();
    }
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    for (String line : text.messages(data, last)) {
      try {
        answers.add(Json.createReader(new StringReader(line)).readObject());
      } catch (RuntimeException notJson) {
        // not an answer
      }
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    ended = true;
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    ended = true;
  }
}
