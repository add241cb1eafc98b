package io.herald.transport.sse;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;

/** How a stream writes its frames, as its page asked with {@code format} and {@code heartbeat} (docs/protocol.md). */
enum SseForm {
  /** Each event under its own name; heartbeats are comments, which scripts never see (the default). */
  NAMED(SseFrame.comment("heartbeat")),
  /** As {@link #NAMED}, with every heartbeat a {@code heartbeat} event a script can listen for. */
  NAMED_WITH_HEARTBEATS(SseFrame.named("heartbeat", "{\"type\":\"heartbeat\"}")),
  /** Every frame an unnamed message naming its own type, heartbeats included. */
  MESSAGES(SseFrame.message("{\"type\":\"heartbeat\"}"));

  private final SseFrame heartbeat;

  SseForm(SseFrame heartbeat) {
    this.heartbeat = heartbeat;
  }

  /**
   * {@code format}: {@code named} (default) or {@code messages}; {@code heartbeat}: {@code comment}
   * (default) or {@code event}, which a messages stream has anyway.
   */
  static SseForm of(String format, String heartbeat) {
    boolean events;
    if (heartbeat == null || heartbeat.isEmpty() || heartbeat.equals("comment")) {
      events = false;
    } else if (heartbeat.equals("event")) {
      events = true;
    } else {
      throw new HeraldException(ErrorCode.INVALID_REQUEST, "heartbeat is comment or event.");
    }
    if (format == null || format.isEmpty() || format.equals("named")) {
      return events ? NAMED_WITH_HEARTBEATS : NAMED;
    }
    if (format.equals("messages")) {
      return MESSAGES;
    }
    throw new HeraldException(ErrorCode.INVALID_REQUEST, "format is named or messages.");
  }

  SseFrame heartbeat() {
    return heartbeat;
  }
}
