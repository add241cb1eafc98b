package io.herald.testing;

import java.util.List;

/**
 * The {@code herald.v1} messages of a WebSocket text message that may come in parts: the parts
 * are joined, and the whole split in lines, since a frame carries one message, or several, one
 * per line, when the server batches what a slow client is owed (docs/protocol.md).
 */
public final class WsText {
  private final StringBuilder partial = new StringBuilder();

  /** The messages, once {@code last} part is in; none before. */
  public List<String> messages(CharSequence data, boolean last) {
    partial.append(data);
    if (!last) {
      return List.of();
    }
    List<String> messages = List.of(partial.toString().split("\n"));
    partial.setLength(0);
    return messages;
  }
}
