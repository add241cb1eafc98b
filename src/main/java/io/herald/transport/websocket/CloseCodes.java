package io.herald.transport.websocket;

import jakarta.websocket.CloseReason;

/**
 * Every close code Herald sends, in one place (docs/protocol.md, "Close codes"). 1000-1015 are the
 * standard codes of RFC 6455; 4000-4999 are Herald's own. Clients decide from the code whether to
 * reconnect: 1001/1012/1013 and 4002/4008 invite a reconnect, 1008/1009/4001 need a change first.
 */
public final class CloseCodes {
  /** Normal closure, e.g. the client said goodbye. */
  public static final int NORMAL = 1000;

  /** The server is going away (shutdown); reconnect, possibly to another instance. */
  public static final int GOING_AWAY = 1001;

  /** Policy: no token, a bad token, a forbidden origin. Do not retry with the same token. */
  public static final int POLICY_VIOLATION = 1008;

  /** A message exceeded {@code herald.ws.max-message-bytes}. */
  public static final int TOO_BIG = 1009;

  /** An unexpected server error. */
  public static final int INTERNAL_ERROR = 1011;

  /** The server restarts; reconnect after a short delay. */
  public static final int SERVICE_RESTART = 1012;

  /**
   * Try again later: the instance cannot yet answer a resume from the position asked for (it is
   * away from the broker or behind it, docs/jms.md); reconnect after a short delay, here or
   * elsewhere.
   */
  public static final int TRY_AGAIN_LATER = 1013;

  /** The token expired; get a fresh one, then reconnect. */
  public static final int TOKEN_EXPIRED = 4001;

  /** No pong to the server's pings within two intervals; reconnect. */
  public static final int NO_PONG = 4002;

  /** The client did not read fast enough and its queue filled; reconnect (and read faster). */
  public static final int SLOW_CONSUMER = 4008;

  /** Disconnected by an admin (io.herald.admin); a client should not reconnect by itself. */
  public static final int DISCONNECTED = 4010;

  private CloseCodes() {}

  /** Sustained flooding: messages kept coming after being refused as over the rate limit. */
  public static final int RATE_LIMITED = 4029;

  /** Too many connections for this user or address (herald.limits.connections.*). */
  public static final int TOO_MANY_CONNECTIONS = 4030;

  /**
   * A close reason; the phrase is cut to the 123 bytes of UTF-8 a close frame allows (more makes
   * {@code CloseReason} throw), at a character boundary.
   */
  public static CloseReason reason(int code, String phrase) {
    return new CloseReason(CloseReason.CloseCodes.getCloseCode(code), fit(phrase, 123));
  }

  /** {@code text} cut to at most {@code bytes} bytes of UTF-8, never inside a character. */
  static String fit(String text, int bytes) {
    int used = 0;
    int end = 0;
    while (end < text.length()) {
      int cp = text.codePointAt(end);
      int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (used + size > bytes) {
        break;
      }
      used += size;
      end += Character.charCount(cp);
    }
    return text.substring(0, end);
  }
}
