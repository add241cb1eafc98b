package io.herald.security;

import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.WsClient;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;

/**
 * Every way a token comes into Herald, as a client uses it, each answering the same question:
 * was this token accepted, and if not, with which documented code and message.
 */
enum EntryPoint {
  PUBLISH_HEADER(false) {
    @Override
    Verdict present(Server server, String token, String good) {
      return http(server.publish(token, "jobs.1", "attack", "1"), 202);
    }
  },
  HISTORY_HEADER(false) {
    @Override
    Verdict present(Server server, String token, String good) {
      return http(server.get("api/channels/jobs.1/history", token), 200);
    }
  },
  SSE_HEADER(false) {
    @Override
    Verdict present(Server server, String token, String good) {
      return sse(SseClient.openWithHeader(server, "api/realtime/stream?channel=jobs.1", token));
    }
  },
  SSE_QUERY(false) {
    @Override
    Verdict present(Server server, String token, String good) {
      return sse(SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + token));
    }
  },
  POLL_QUERY(false) {
    @Override
    Verdict present(Server server, String token, String good) {
      return http(server.get("api/realtime/poll?channel=jobs.1&timeout=0&access_token=" + token), 200);
    }
  },
  WS_SUBPROTOCOL(false) {
    @Override
    Verdict present(Server server, String token, String good) throws InterruptedException {
      return handshake(WsClient.connect(server, token));
    }
  },
  WS_QUERY(false) {
    @Override
    Verdict present(Server server, String token, String good) throws InterruptedException {
      return handshake(WsClient.connectWithQueryToken(server, token));
    }
  },
  WS_REFRESH(false) {
    @Override
    Verdict present(Server server, String token, String good) throws InterruptedException {
      try (WsClient ws = WsClient.connect(server, good)) {
        ws.nextOfType("connected");
        return reply(ws.call("refresh", "\"token\":\"" + token + "\""));
      }
    }
  },
  /** A subscription token on SSE, beside a good access token that has no grant for the channel. */
  SUBSCRIPTION_SSE(true) {
    @Override
    Verdict present(Server server, String token, String good) {
      return sse(
          SseClient.open(
              server, "api/realtime/stream?channel=" + SUBSCRIBED + "&access_token=" + good + "&subscription_token=" + token));
    }
  },
  /** A subscription token in a WebSocket subscribe. */
  SUBSCRIPTION_WS(true) {
    @Override
    Verdict present(Server server, String token, String good) throws InterruptedException {
      try (WsClient ws = WsClient.connect(server, good)) {
        ws.nextOfType("connected");
        return reply(ws.call("subscribe", "\"channel\":\"" + SUBSCRIBED + "\",\"token\":\"" + token + "\""));
      }
    }
  };

  /** The channel subscription tokens are minted for: a grant namespace the access token lacks. */
  static final String SUBSCRIBED = "docs.secret";

  /** Whether the token presented here is a subscription token (else an access token). */
  final boolean subscription;

  EntryPoint(boolean subscription) {
    this.subscription = subscription;
  }

  /**
   * Presents {@code token} here; {@code good} is a valid access token, for entry points where the
   * token under test comes on a connection that needs one.
   */
  abstract Verdict present(Server server, String token, String good) throws Exception;

  /** What the client saw: accepted, or refused with a code and a message (close reason). */
  record Verdict(boolean accepted, String code, String message) {
    static final Verdict ACCEPTED = new Verdict(true, null, null);
  }

  private static Verdict http(Server.Reply reply, int ok) {
    if (reply.status() == ok) {
      return Verdict.ACCEPTED;
    }
    return new Verdict(false, reply.code(), reply.json().getString("message"));
  }

  private static Verdict sse(SseClient client) {
    try (client) {
      if (client.status() == 200) {
        return Verdict.ACCEPTED;
      }
      JsonObject error = Json.createReader(new StringReader(client.errorBody())).readObject();
      return new Verdict(false, error.getString("code"), error.getString("message"));
    }
  }

  /** A refused handshake is closed with 1008, its reason {@code CODE: message}. */
  private static Verdict handshake(WsClient ws) throws InterruptedException {
    try (ws) {
      long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
      while (System.nanoTime() < deadline) {
        JsonObject first = ws.poll(java.time.Duration.ofMillis(50));
        if (first != null) {
          if ("connected".equals(first.getString("type"))) {
            return Verdict.ACCEPTED;
          }
          throw new AssertionError("a first frame other than connected: " + first);
        }
        WsClient.Close close = ws.awaitClose(java.time.Duration.ofMillis(1));
        if (close != null) {
          if (close.code() != 1008) {
            throw new AssertionError("closed with " + close.code() + " instead of 1008: " + close.reason());
          }
          String reason = close.reason();
          int colon = reason.indexOf(':');
          return new Verdict(false, colon < 0 ? reason : reason.substring(0, colon), colon < 0 ? "" : reason.substring(colon + 1).strip());
        }
      }
      throw new AssertionError("neither connected nor closed within " + Timeouts.EVENT);
    }
  }

  private static Verdict reply(JsonObject reply) {
    if ("ok".equals(reply.getString("type"))) {
      return Verdict.ACCEPTED;
    }
    return new Verdict(false, reply.getString("code"), reply.getString("message"));
  }
}
