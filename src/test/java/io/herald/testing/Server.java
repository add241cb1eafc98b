package io.herald.testing;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** One running Herald as a client sees it: its loopback address and the calls tests make. */
public final class Server {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private final URI base;

  private Server(URI base) {
    this.base = base;
  }

  /** Arquillian names the host's network address; all test traffic stays on loopback. */
  public static Server at(URL deployed) {
    String path = deployed.getPath().endsWith("/") ? deployed.getPath() : deployed.getPath() + "/";
    return new Server(URI.create("http://localhost:" + deployed.getPort() + path));
  }

  public static Server at(int port) {
    return new Server(URI.create("http://localhost:" + port + "/"));
  }

  /** A path on the server itself, outside the app's context root (/metrics, /health). */
  public URI root(String path) {
    return base.resolve("/" + (path.startsWith("/") ? path.substring(1) : path));
  }

  public Reply getRoot(String path) {
    return send(HttpRequest.newBuilder(root(path)).GET());
  }

  public URI uri(String path) {
    return base.resolve(path.startsWith("/") ? path.substring(1) : path);
  }

  /** A WebSocket address in the app: {@code ws://localhost:port/<context>/<path>}. */
  public URI wsUri(String path) {
    return URI.create("ws" + uri(path).toString().substring("http".length()));
  }

  /** The context path the app is deployed at, ending in "/". */
  public String path() {
    return base.getPath();
  }

  public int port() {
    return base.getPort();
  }

  public static HttpClient http() {
    return HTTP;
  }

  public Reply get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  public Reply get(String path, String token) {
    return send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + token).GET());
  }

  /** Publishes {@code {"event": event, "data": data}} (data given as JSON text). */
  public Reply publish(String token, String channel, String event, String dataJson) {
    return publishRaw(token, channel, "{\"event\":\"" + event + "\",\"data\":" + dataJson + "}");
  }

  /** Publishes with an {@code Idempotency-Key} header. */
  public Reply publishOnce(String token, String channel, String event, String dataJson, String idempotencyKey) {
    return send(
        HttpRequest.newBuilder(uri("api/channels/" + channel + "/events"))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .header("Idempotency-Key", idempotencyKey)
            .POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"" + event + "\",\"data\":" + dataJson + "}")));
  }

  public Reply publishRaw(String token, String channel, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri("api/channels/" + channel + "/events"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request);
  }

  /** Posts a batch, {@code {"events": [...]}}, to {@code POST /api/events}. */
  public Reply publishBatch(String token, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri("api/events"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return send(request);
  }

  /** Posts a herald.v1 message for a connection without a WebSocket (an SSE stream, a poll session). */
  public Reply send(String token, String connectionId, String message) {
    return send(
        HttpRequest.newBuilder(uri("api/realtime/connections/" + connectionId + "/messages"))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString(message)));
  }

  /** The open connection counts of {@code /api/realtime/status}. */
  public JsonObject connections() {
    return get("api/realtime/status").json().getJsonObject("connections");
  }

  public static Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), response.body(), response);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** An HTTP answer. */
  public record Reply(int status, String body, HttpResponse<String> response) {
    public JsonObject json() {
      try (JsonReader reader = Json.createReader(new StringReader(body))) {
        return reader.readObject();
      } catch (RuntimeException e) {
        throw new AssertionError("not a JSON object (status " + status + "): " + body, e);
      }
    }

    /** The {@code code} of a documented error body. */
    public String code() {
      return json().getString("code");
    }

    public String header(String name) {
      return response.headers().firstValue(name).orElse(null);
    }
  }
}
