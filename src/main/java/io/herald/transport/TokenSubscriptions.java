package io.herald.transport;

import static io.herald.api.JsonProviders.JSON;

import io.herald.security.TokenLifetime;
import java.util.HashMap;
import java.util.Map;

/**
 * The subscriptions of one connection that a subscription token opened: each lives no longer than
 * its token (docs/security.md, "Subscription tokens"). Once the connection is closed, every expiry
 * held, and any added later, is called off, so nothing keeps a closed connection alive.
 */
public final class TokenSubscriptions {
  /** Why a subscription ended without the client asking: the {@code code} of its notice. */
  public static final String TOKEN_EXPIRED = "TOKEN_EXPIRED";

  public static final String PERMISSION_DENIED = "PERMISSION_DENIED";

  private final Map<String, TokenLifetime.Expiry> expiries = new HashMap<>();
  private boolean closed;

  /** Notes that {@code channel} was opened by a subscription token that expires by {@code expiry}. */
  public void add(String channel, TokenLifetime.Expiry expiry) {
    TokenLifetime.Expiry off;
    synchronized (this) {
      off = closed ? expiry : expiries.put(channel, expiry);
    }
    if (off != null) {
      off.cancel();
    }
  }

  /** Whether a subscription token (still valid) is what allows {@code channel}. */
  public synchronized boolean has(String channel) {
    return expiries.containsKey(channel);
  }

  /** The subscription to {@code channel} ended (unsubscribed, or expired): its expiry is called off. */
  public void remove(String channel) {
    TokenLifetime.Expiry off;
    synchronized (this) {
      off = expiries.remove(channel);
    }
    if (off != null) {
      off.cancel();
    }
  }

  /** The connection has ended: every expiry is called off, and any added from now on. */
  public void close() {
    Map<String, TokenLifetime.Expiry> off;
    synchronized (this) {
      closed = true;
      off = new HashMap<>(expiries);
      expiries.clear();
    }
    off.values().forEach(TokenLifetime.Expiry::cancel);
  }

  /**
   * The notice a client gets when one of its subscriptions ends without it asking:
   * {@code {"type":"unsubscribed","channel":..,"code":..,"message":..}}.
   */
  public static String notice(String channel, String code, String message) {
    return JSON.createObjectBuilder()
        .add("type", "unsubscribed")
        .add("channel", channel)
        .add("code", code)
        .add("message", message)
        .build()
        .toString();
  }
}
