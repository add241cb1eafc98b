package io.herald.transport.sse;

import io.herald.observability.Traffic;
import io.herald.transport.Outbox;
import java.io.ByteArrayOutputStream;

/**
 * What one write of a stream carries: the frames queued, joined up to {@link #MAX_WRITE_BYTES},
 * and whether the stream ends after them. A stream that is behind catches up in fewer, larger
 * writes; one that is not (the usual case) writes its one frame's shared bytes as they are.
 */
record SseBatch(byte[] bytes, boolean end) {
  /** The most one write carries; a single larger frame still goes, alone. */
  static final int MAX_WRITE_BYTES = 64 * 1024;

  private static final byte[] NOTHING = new byte[0];

  /** Takes the next batch off {@code queue}; {@code end} is the marker queued last to end the stream. */
  static SseBatch take(Outbox<SseFrame> queue, SseFrame end, Traffic.Writes writes) {
    SseFrame first = queue.poll();
    if (first == null || first == end) {
      return new SseBatch(NOTHING, first == end);
    }
    written(first, writes);
    // one frame goes as the bytes every stream shares (a write only reads them); more are joined
    ByteArrayOutputStream joined = null;
    int size = first.bytes().length;
    boolean ends = false;
    for (SseFrame next = queue.peek(); next != null && size + next.bytes().length <= MAX_WRITE_BYTES; next = queue.peek()) {
      queue.poll();
      if (next == end) {
        ends = true;
        break;
      }
      if (joined == null) {
        joined = new ByteArrayOutputStream();
        joined.writeBytes(first.bytes());
      }
      joined.writeBytes(next.bytes());
      size += next.bytes().length;
      written(next, writes);
    }
    return new SseBatch(joined == null ? first.bytes() : joined.toByteArray(), ends);
  }

  private static void written(SseFrame frame, Traffic.Writes writes) {
    if (frame.accepted() != 0) {
      writes.written(frame.accepted());
    }
  }
}
