package io.herald.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.bus.Envelope;
import io.herald.security.Caller;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DrainTest {
  /** A connection that records when it was told to go. */
  private static final class Told implements Connection {
    @Override
    public void disconnect(String reason) {}

    final String id;
    final Transport transport;
    volatile long toldAt = -1;

    Told(String id, Transport transport) {
      this.id = id;
      this.transport = transport;
    }

    @Override public String id() { return id; }
    @Override public Caller caller() { return null; }
    @Override public Transport transport() { return transport; }
    @Override public Set<String> channels() { return Set.of(); }
    @Override public void deliver(Envelope envelope) {}
    @Override public void signal(String type, String json) {}
    @Override public boolean isClosed() { return toldAt >= 0; }
    @Override public io.herald.transport.MessageRates rates() { return null; }

    @Override
    public void restart(long retryMillis) {
      toldAt = System.nanoTime();
    }
  }

  @Test
  void everyConnectionIsToldToGoAtARandomMomentWithinTheSpreadAndOnlyOnce() throws Exception {
    Drain drain = new Drain();
    drain.registry = new ConnectionRegistry();
    drain.registry.traffic = new ConnectionRegistryTest.NoTraffic();
    drain.registry.audit = new io.herald.observability.Audit();
    drain.spreadMillis = 400;
    List<Told> open = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Told c = new Told("c" + i, i % 2 == 0 ? Transport.WEBSOCKET : Transport.SSE);
      open.add(c);
      drain.registry.open(c, Client.UNKNOWN);
    }
    assertFalse(drain.draining());
    long start = System.nanoTime();
    drain.drain(null);
    long took = (System.nanoTime() - start) / 1_000_000;
    assertTrue(drain.draining(), "readiness DOWN, new connections refused");
    assertTrue(open.stream().allMatch(c -> c.toldAt >= 0), "every one told");
    long first = open.stream().mapToLong(c -> c.toldAt).min().orElseThrow();
    long last = open.stream().mapToLong(c -> c.toldAt).max().orElseThrow();
    assertTrue((last - first) / 1_000_000 > 100, "spread out, not all at once: " + (last - first) / 1_000_000 + " ms");
    assertTrue(took < 400 + 1000, "within the spread (and the writes' grace): " + took + " ms");
    long before = open.get(0).toldAt;
    drain.drain(null);
    assertEquals(before, open.get(0).toldAt, "a second stop tells nobody again");
  }
}
