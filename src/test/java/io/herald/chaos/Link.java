package io.herald.chaos;

import io.herald.testing.Server;
import io.herald.testing.WsText;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * One connection of a chaos client, over one transport, to one instance: every frame it gets goes
 * to the client's queue as a {@link Frame} of this link, and so does its end. Written against the
 * wire protocol (docs/protocol.md), as any client in another language would be, not with herald.js.
 */
abstract class Link {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  /** A frame of a link: its JSON text, its SSE event name (null elsewhere), or the link's end. */
  record Frame(Link link, String json, String sseEvent, boolean end, String why) {}

  enum Kind {
    WS, SSE, POLL
  }

  final Server server;
  final String instance;
  final BlockingQueue<Frame> queue;
  volatile boolean cut;

  Link(Server server, String instance, BlockingQueue<Frame> queue) {
    this.server = server;
    this.instance = instance;
    this.queue = queue;
  }

  static Link open(Kind kind, Server server, String instance, BlockingQueue<Frame> queue, String token, String channel, String since) {
    Link link = switch (kind) {
      case WS -> new Ws(server, instance, queue);
      case SSE -> new Sse(server, instance, queue);
      case POLL -> new Poll(server, instance, queue);
    };
    link.start(token, channel, since);
    return link;
  }

  abstract void start(String token, String channel, String since);

  /** Ends the link from this side: {@code clean} as a client that says goodbye, else abruptly. */
  abstract void cut(boolean clean);

  /** Something the client sends now and then, so that a live link has frames to show (WebSocket only). */
  void ping() {}

  void frame(String json, String sseEvent) {
    if (!cut) {
      queue.add(new Frame(this, json, sseEvent, false, null));
    }
  }

  /** The link is over; {@code why} in a few words (a status, a close code), for the report. */
  void ended(String why) {
    queue.add(new Frame(this, null, null, true, why));
  }

  /** A failure in a few words: a refused WebSocket upgrade's status, else the exception's kind. */
  static String why(Throwable failure) {
    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof java.net.http.WebSocketHandshakeException refused) {
      return "http " + refused.getResponse().statusCode();
    }
    return cause.getClass().getSimpleName();
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** herald.v1 over WebSocket: subscribes once {@code connected} comes, from {@code since}. */
  static final class Ws extends Link implements WebSocket.Listener {
    private volatile WebSocket socket;
    private String channel;
    private String since;
    private final WsText text = new WsText();

    Ws(Server server, String instance, BlockingQueue<Frame> queue) {
      super(server, instance, queue);
    }

    @Override
    void start(String token, String channel, String since) {
      this.channel = channel;
      this.since = since;
      HTTP.newWebSocketBuilder()
          .subprotocols("herald.v1", "bearer." + token)
          .connectTimeout(Duration.ofSeconds(5))
          .buildAsync(server.wsUri("ws"), this)
          .whenComplete((s, failure) -> {
            if (failure != null) {
              ended(why(failure));
            } else if (cut) {
              s.abort();
            }
          });
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      socket = webSocket;
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      for (String line : text.messages(data, last)) {
        if (line.startsWith("{\"type\":\"connected\"")) {
          String resume = since == null ? "" : ",\"since\":\"" + since + "\"";
          send("{\"type\":\"subscribe\",\"id\":\"s\",\"channel\":\"" + channel + "\"" + resume + "}");
        }
        frame(line, null);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      ended("close " + statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      ended(why(error));
    }

    private synchronized void send(String text) {
      WebSocket s = socket;
      if (s != null && !s.isOutputClosed()) {
        try {
          s.sendText(text, true).get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
          s.abort();
        }
      }
    }

    @Override
    void ping() {
      send("{\"type\":\"ping\"}");
    }

    @Override
    void cut(boolean clean) {
      cut = true;
      WebSocket s = socket;
      if (s != null) {
        if (clean) {
          // the server's answering close frame is not waited for: the link is left either way
          s.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, java.util.concurrent.TimeUnit.SECONDS).whenComplete((x, e) -> s.abort());
        } else {
          s.abort();
        }
      }
      ended("cut"); // an aborted JDK WebSocket tells its listener nothing more
    }
  }

  /** A stream, resumed with {@code Last-Event-ID}; heartbeat comments are frames too. */
  static final class Sse extends Link implements Flow.Subscriber<String> {
    private volatile Flow.Subscription subscription;
    private String event;
    private String id;
    private final StringBuilder data = new StringBuilder();

    Sse(Server server, String instance, BlockingQueue<Frame> queue) {
      super(server, instance, queue);
    }

    @Override
    void start(String token, String channel, String since) {
      HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("api/realtime/stream?channel=" + encode(channel) + "&access_token=" + token))
          .header("Accept", "text/event-stream");
      if (since != null) {
        request.header("Last-Event-ID", since);
      }
      HTTP.sendAsync(request.build(), info -> info.statusCode() == 200 ? HttpResponse.BodySubscribers.fromLineSubscriber(this) : HttpResponse.BodySubscribers.replacing(null))
          .whenComplete((response, failure) -> {
            if (failure != null || response.statusCode() != 200) {
              ended(failure != null ? why(failure) : "http " + response.statusCode());
            }
          });
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (cut) {
        s.cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(String line) {
      if (line.isEmpty()) {
        if (data.length() > 0) {
          frame(data.toString(), event);
        }
        data.setLength(0);
        event = null;
        id = null;
      } else if (line.startsWith(":")) {
        frame(null, "heartbeat");
      } else if (line.startsWith("event:")) {
        event = line.substring(6).strip();
      } else if (line.startsWith("id:")) {
        id = line.substring(3).strip();
      } else if (line.startsWith("data:")) {
        data.append(line.substring(5).strip());
      }
    }

    @Override
    public void onError(Throwable throwable) {
      ended(why(throwable));
    }

    @Override
    public void onComplete() {
      ended("ended");
    }

    @Override
    void cut(boolean clean) {
      cut = true;
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
      ended("cut");
    }
  }

  /** A long-poll session: from {@code since} on a new session, then from each answer's position. */
  static final class Poll extends Link {
    private volatile CompletableFuture<?> inFlight;
    private String token;
    private String channel;

    Poll(Server server, String instance, BlockingQueue<Frame> queue) {
      super(server, instance, queue);
    }

    @Override
    void start(String token, String channel, String since) {
      this.token = token;
      this.channel = channel;
      poll("new", since);
    }

    private void poll(String session, String since) {
      if (cut) {
        return;
      }
      String query = "channel=" + encode(channel) + "&session=" + encode(session) + (since == null ? "" : "&since=" + encode(since)) + "&timeout=3000";
      HttpRequest request = HttpRequest.newBuilder(server.uri("api/realtime/poll?" + query))
          .header("Authorization", "Bearer " + token)
          .timeout(Duration.ofSeconds(10))
          .build();
      inFlight = HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((reply, failure) -> {
        if (failure != null || reply.statusCode() != 200) {
          ended(failure != null ? why(failure) : "http " + reply.statusCode());
          return;
        }
        jakarta.json.JsonObject answer = new Server.Reply(200, reply.body(), null).json();
        frame(null, "heartbeat"); // an answer, even empty, shows the session alive
        for (jakarta.json.JsonObject f : answer.getJsonArray("events").getValuesAs(jakarta.json.JsonObject.class)) {
          frame(f.toString(), null);
        }
        poll(answer.getString("session"), answer.getString("position"));
      });
    }

    @Override
    void cut(boolean clean) {
      cut = true;
      CompletableFuture<?> held = inFlight;
      if (held != null) {
        held.cancel(true);
      }
      ended("cut");
    }
  }
}
