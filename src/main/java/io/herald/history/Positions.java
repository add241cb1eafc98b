package io.herald.history;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.EventId;

/** Reads the positions clients send back (Last-Event-ID, lastEventId, since). */
public final class Positions {
  private Positions() {}

  /** The position in {@code text}; null when absent; {@code INVALID_POSITION} when not one. */
  public static EventId parse(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    EventId position = EventId.parse(text);
    if (position == null) {
      throw new HeraldException(
          ErrorCode.INVALID_POSITION, "'" + abbreviate(text) + "' is not a position; send back an event id as received.");
    }
    return position;
  }

  private static String abbreviate(String text) {
    return text.length() > 64 ? text.substring(0, 64) + "..." : text;
  }
}
