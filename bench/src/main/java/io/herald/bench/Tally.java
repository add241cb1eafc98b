package io.herald.bench;

import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counts what subscribers receive and how long each message took from publish to receipt. The
 * publish time travels in the payload ({@code "ts"}, System.nanoTime of this same process), so
 * one clock measures both ends.
 */
final class Tally implements Gateway.Sink {
  private final Recorder early = new Recorder(3);
  private final Recorder late = new Recorder(3);
  private final LongAdder received = new LongAdder();
  private volatile long lateFromSeq = Long.MAX_VALUE;

  /** A payload with the publish time, a sequence number, and some text, about 100 bytes. */
  static String payload(long seq) {
    return "{\"ts\":" + System.nanoTime() + ",\"seq\":" + seq + ",\"text\":\"a message of some forty characters.....\"}";
  }

  @Override
  public void received(String frame) {
    long now = System.nanoTime();
    int at = frame.indexOf("\"ts\":");
    if (at < 0) {
      return; // not a bench message (a heartbeat or a control frame)
    }
    long ts = number(frame, at + 5);
    long seq = number(frame, frame.indexOf("\"seq\":", at) + 6);
    (seq >= lateFromSeq ? late : early).recordValue(Math.max(0, (now - ts) / 1000));
    received.increment();
  }

  static long number(String text, int from) {
    long n = 0;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        break;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  /** Starts a new step: messages from {@code lateSeq} on count as its second half. */
  void reset(long lateSeq) {
    early.reset();
    late.reset();
    received.reset();
    lateFromSeq = lateSeq;
  }

  long received() {
    return received.sum();
  }

  /** Latencies (microseconds) of the first and second half of the step. */
  Histogram[] halves() {
    return new Histogram[] {early.getIntervalHistogram(), late.getIntervalHistogram()};
  }
}
