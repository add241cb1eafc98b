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
    if (first == null) {
      return new SseBatch(NOTHING, false);
    }
    if (first == end) {
      return new SseBatch(NOTHING, true);
    }
    written(first, writes);
    SseFrame next = queue.peek();
    if (next == null || first.bytes().length + next.bytes().length > MAX_WRITE_BYTES) {
      return new SseBatch(first.bytes(), false); // the bytes every stream shares; a write only reads them
    }
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    joined.writeBytes(first.bytes());
    while (joined.size() < MAX_WRITE_BYTES) {
      next = queue.peek();
      if (next == null || joined.size() + next.bytes().length > MAX_WRITE_BYTES) {
        break;
      }
      SseFrame frame = queue.poll();
      if (frame == end) {
        return new SseBatch(joined.toByteArray(), true);
      }
      joined.writeBytes(frame.bytes());
      written(frame, writes);
    }
    return new SseBatch(joined.toByteArray(), false);
  }

  private static void written(SseFrame frame, Traffic.Writes writes) {
    if (frame.accepted() != 0) {
      writes.written(frame.accepted());
    }
  }
}
