package io.herald.testing;

import jakarta.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A long-poll client with a session, as a browser without WebSocket or SSE runs one: polls again
 * as soon as an answer comes, from the answer's position with its session value, and queues every
 * frame the answers carry. Closing it stops polling (the server notices only when the session
 * times out, as with a browser that went away).
 */
public final class PollClient implements AutoCloseable {
  private final Server server;
  private final String token;
  private final String channels;
  private final long holdMillis;
  private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private final java.util.Deque<JsonObject> skipped = new java.util.ArrayDeque<>();
  private final CompletableFuture<String> connectionId = new CompletableFuture<>();
  private final Thread loop;
  private volatile boolean open = true;
  private volatile String session = "new";
  private volatile String position;
  private volatile CompletableFuture<HttpResponse<String>> inFlight;
  private final AtomicLong answers = new AtomicLong();

  private PollClient(Server server, String token, List<String> channels, long holdMillis) {
    this.server = server;
    this.token = token;
    this.holdMillis = holdMillis;
    StringBuilder query = new StringBuilder();
    channels.forEach(c -> query.append("channel=").append(URLEncoder.encode(c, StandardCharsets.UTF_8)).append('&'));
    this.channels = query.toString();
    this.loop = new Thread(this::run, "poll-client");
    loop.setDaemon(true);
  }

  /** Starts a session on {@code channels}; returns once the first answer named its connection. */
  public static PollClient open(Server server, String token, String... channels) {
    return open(server, token, 5_000, channels);
  }

  /** As {@link #open(Server, String, String...)}, each poll held at most {@code holdMillis}. */
  public static PollClient open(Server server, String token, long holdMillis, String... channels) {
    PollClient client = new PollClient(server, token, List.of(channels), holdMillis);
    client.loop.start();
    client.connectionId();
    return client;
  }

  /** The session's connection id, for the HTTP message route. */
  public String connectionId() {
    try {
      return connectionId.get(Timeouts.EVENT.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the poll session never answered", e);
    }
  }

  /** Polls answered 200 so far (a poll answered otherwise ends the client, with a failure frame). */
  public long answers() {
    return answers.get();
  }

  /** The query of the next poll, as it would be sent now. */
  public String nextQuery() {
    return channels + "session=" + session + (position == null ? "" : "&since=" + position) + "&timeout=" + holdMillis;
  }

  private void run() {
    while (open) {
      try {
        inFlight =
            Server.http()
                .sendAsync(
                    HttpRequest.newBuilder(server.uri("api/realtime/poll?" + nextQuery())).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> reply = inFlight.get(holdMillis + 10_000, TimeUnit.MILLISECONDS);
        if (reply.statusCode() != 200) {
          throw new IllegalStateException("poll answered " + reply.statusCode() + ": " + reply.body());
        }
        JsonObject answer = new Server.Reply(200, reply.body(), null).json();
        session = answer.getString("session");
        position = answer.getString("position");
        connectionId.complete(answer.getString("connectionId"));
        answers.incrementAndGet();
        answer.getJsonArray("events").getValuesAs(JsonObject.class).forEach(frames::add);
      } catch (Exception e) {
        if (open) {
          connectionId.completeExceptionally(e);
          frames.add(jakarta.json.Json.createObjectBuilder().add("type", "poll-client-failed").add("reason", String.valueOf(e)).build());
          return;
        }
      }
    }
  }

  /** The next frame within {@code timeout}, or null. */
  public JsonObject poll(Duration timeout) throws InterruptedException {
    JsonObject frame = skipped.pollFirst();
    return frame != null ? frame : frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next frame matching {@code wanted}; the others passed over are read later. */
  public JsonObject next(Predicate<JsonObject> wanted) throws InterruptedException {
    java.util.List<JsonObject> passed = new java.util.ArrayList<>();
    long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        JsonObject frame = poll(Duration.ofMillis(100));
        if (frame == null) {
          continue;
        }
        if ("poll-client-failed".equals(frame.getString("type"))) {
          throw new AssertionError(frame.getString("reason"));
        }
        if (wanted.test(frame)) {
          return frame;
        }
        passed.add(frame);
      }
      throw new AssertionError("no matching frame within " + Timeouts.EVENT + "; passed over " + passed);
    } finally {
      for (int i = passed.size() - 1; i >= 0; i--) {
        skipped.addFirst(passed.get(i));
      }
    }
  }

  /** Stops polling, as a closed tab does: the session lives on until it times out. */
  @Override
  public void close() {
    open = false;
    loop.interrupt();
    CompletableFuture<HttpResponse<String>> held = inFlight;
    if (held != null) {
      held.cancel(true);
    }
  }
}
