package io.herald.testing;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real SSE client over a real socket (the JDK's HttpClient), parsing the stream as a browser's
 * EventSource would and queueing each event for the test to take.
 */
public final class SseClient implements AutoCloseable {
  /**
   * One dispatched SSE event. {@code retry} is null unless the frame carried one; {@code
   * receivedNanos} is when the client read it ({@link System#nanoTime}).
   */
  public record Event(String id, String name, String data, Long retry, long receivedNanos) {
    public JsonObject json() {
      return Json.createReader(new StringReader(data)).readObject();
    }
  }

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Thread reader;
  private volatile InputStream body;
  private volatile int status;
  private volatile String errorBody;
  private volatile java.net.http.HttpHeaders headers;
  private volatile boolean ended;
  private volatile String lastEventId;

  private SseClient(URI uri, String bearer, String lastEventIdHeader) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    if (lastEventIdHeader != null) {
      request.header("Last-Event-ID", lastEventIdHeader); // as a reconnecting browser does
    }
    HttpResponse<InputStream> response = Server.http().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    status = response.statusCode();
    headers = response.headers();
    if (status != 200) {
      try (InputStream error = response.body()) {
        errorBody = new String(error.readAllBytes(), StandardCharsets.UTF_8);
      }
      reader = null;
      ended = true;
      return;
    }
    body = response.body();
    reader = new Thread(this::read, "sse-client " + uri.getPath());
    reader.setDaemon(true);
    reader.start();
  }

  /** Opens {@code path} (relative to the server) with the token as query parameter. */
  public static SseClient open(Server server, String pathAndQuery) {
    return connect(server.uri(pathAndQuery), null, null);
  }

  /** Opens {@code path} sending {@code lastEventId} as the Last-Event-ID header. */
  public static SseClient resume(Server server, String pathAndQuery, String lastEventId) {
    return connect(server.uri(pathAndQuery), null, lastEventId);
  }

  /** Opens {@code path} with the token in the Authorization header. */
  public static SseClient openWithHeader(Server server, String pathAndQuery, String token) {
    return connect(server.uri(pathAndQuery), token, null);
  }

  private static SseClient connect(URI uri, String bearer, String lastEventId) {
    try {
      return new SseClient(uri, bearer, lastEventId);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public int status() {
    return status;
  }

  public String errorBody() {
    return errorBody;
  }

  /** The next event, or null if none arrives in time. */
  public Event next(Duration timeout) throws InterruptedException {
    Event event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (event != null && event.id() != null) {
      lastEventId = event.id();
    }
    return event;
  }

  /**
   * What a browser would send as Last-Event-ID after the events taken so far: the id of the last
   * one that carried an id.
   */
  public String lastEventId() {
    return lastEventId;
  }

  /** The next event, failing the test if none arrives within {@link Timeouts#EVENT}. */
  public Event next() throws InterruptedException {
    Event e = next(Timeouts.EVENT);
    if (e == null) {
      throw new AssertionError("no SSE event within " + Timeouts.EVENT + (ended ? " (stream ended)" : ""));
    }
    return e;
  }

  /** Exactly the next {@code n} events, failing if any is late. */
  public List<Event> take(int n) throws InterruptedException {
    List<Event> taken = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      taken.add(next());
    }
    return taken;
  }

  /** Whether the server ended the stream. */
  public boolean ended() {
    return ended;
  }

  private void read() {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
      String id = null;
      String name = null;
      Long retry = null;
      StringBuilder data = null;
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isEmpty()) {
          if (data != null) {
            events.add(new Event(id, name == null ? "message" : name, data.toString(), retry, System.nanoTime()));
          }
          id = null; // report each frame's own id (EventSource would keep the last one)
          name = null;
          retry = null;
          data = null;
          continue;
        }
        if (line.startsWith(":")) {
          continue; // comment (heartbeat)
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
        switch (field) {
          case "id" -> id = value;
          case "event" -> name = value;
          case "retry" -> retry = Long.parseLong(value);
          case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
          default -> {}
        }
      }
    } catch (IOException e) {
      // connection closed under us: the stream has ended
    } finally {
      ended = true;
    }
  }

  /** Closes many at once. */
  public static void closeAll(java.util.Collection<SseClient> clients) {
    clients.forEach(SseClient::close);
  }

  /** A header of the response. */
  public String header(String name) {
    return headers.firstValue(name).orElse(null);
  }

  /**
   * Closes the connection, as a browser closing a tab does: closing a response body that has not
   * been read to its end closes the socket (HttpURLConnection's disconnect() waited for the
   * reader's blocked read, up to the next heartbeat).
   */
  @Override
  public void close() {
    InputStream stream = body;
    if (stream != null) {
      try {
        stream.close();
      } catch (IOException e) {
        // already closed
      }
    }
  }
}
