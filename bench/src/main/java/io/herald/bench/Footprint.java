package io.herald.bench;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import jakarta.json.Json;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Instant;

/**
 * Heap an event takes while the history keeps it: envelopes built as a received event is (the
 * JMS body parsed, then the envelope), many of them kept, the heap read after collections. A
 * benchmark, not a test: it prints the figure.
 *
 * <pre>java -cp ... io.herald.bench.Footprint [events, default 100000]</pre>
 */
public final class Footprint {
  private Footprint() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    build(1_000); // load and initialize everything involved before the baseline
    long before = usedAfterGc();
    Envelope[] kept = build(n);
    long after = usedAfterGc();
    String sample = kept[n / 2].json();
    System.out.printf(
        "%d events kept: %.0f bytes of heap each (the envelope JSON is %d characters; its data %d)%n",
        n, (after - before) / (double) n, sample.length(), Tally.payload(0).length());
  }

  private static Envelope[] build(int n) {
    Envelope[] kept = new Envelope[n];
    for (int i = 0; i < n; i++) {
      // the channel and id text come from the message's properties: new strings per message
      String channel = new StringBuilder("bench.own").append(i % 1000).toString();
      try (JsonReader body = Json.createReader(new StringReader(Tally.payload(i)))) {
        kept[i] =
            new Envelope(
                new EventId(1_796_000_000_000L + i, 0, "bench"),
                channel,
                "m",
                body.readValue(),
                "bench-backend",
                "default",
                Instant.ofEpochMilli(1_796_000_000_000L + i));
      }
    }
    return kept;
  }

  private static long usedAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 4; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
