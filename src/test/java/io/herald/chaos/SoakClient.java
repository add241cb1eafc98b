package io.herald.chaos;

import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A soak client: connects to either instance over a random transport, holds its connection for a
 * while (the run, for a steady client; seconds, for a churning one), records how late each event
 * came (publishers put their clock in the data), leaves cleanly or abruptly, and comes back. A
 * steady client resumes from its last event; a churning one comes back as a new visitor.
 */
final class SoakClient implements Runnable {
  private final String channel;
  private final String token;
  private final Soak soak;
  private final Random random;
  private final int minHoldMillis;
  private final int maxHoldMillis;
  private final BlockingQueue<Link.Frame> queue = new LinkedBlockingQueue<>();
  private String lastId;
  /** When the current link opened: events published before it (last values, replays) are not timed. */
  private long openedAtMillis;

  SoakClient(String channel, String token, Soak soak, long seed, int minHoldMillis, int maxHoldMillis) {
    this.channel = channel;
    this.token = token;
    this.soak = soak;
    this.random = new Random(seed);
    this.minHoldMillis = minHoldMillis;
    this.maxHoldMillis = maxHoldMillis;
  }

  @Override
  public void run() {
    while (!soak.stopping()) {
      Chaos.Instance at = soak.instances().get(random.nextInt(soak.instances().size()));
      Link.Kind kind = Link.Kind.values()[random.nextInt(Link.Kind.values().length)];
      soak.connected();
      openedAtMillis = System.currentTimeMillis();
      boolean steady = maxHoldMillis == Integer.MAX_VALUE;
      Link link = Link.open(kind, at.server(), at.name(), queue, token, channel, steady ? lastId : null);
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(minHoldMillis + (steady ? 0 : random.nextInt(maxHoldMillis - minHoldMillis)));
      boolean ended = hold(link, steady ? Long.MAX_VALUE : until);
      if (!ended) {
        link.cut(random.nextBoolean());
      }
      queue.clear();
      sleep(100 + random.nextInt(400));
    }
  }

  /** Takes the link's frames until {@code until}; true if the link ended by itself first. */
  private boolean hold(Link link, long until) {
    while (!soak.stopping() && System.nanoTime() < until) {
      Link.Frame frame;
      try {
        frame = queue.poll(500, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return true;
      }
      if (frame == null || frame.link() != link) {
        continue;
      }
      if (frame.end()) {
        soak.linkEnded(frame.why());
        return true;
      }
      if (frame.json() != null) {
        take(frame.json());
      }
    }
    return false;
  }

  private void take(String text) {
    JsonObject json;
    try {
      json = jakarta.json.Json.createReader(new StringReader(text)).readObject();
    } catch (RuntimeException notJson) {
      return;
    }
    if (json.get("data") instanceof JsonObject data && data.containsKey("t")) {
      long sentAt = data.getJsonNumber("t").longValue();
      if (sentAt >= openedAtMillis) {
        soak.delivered(System.currentTimeMillis() - sentAt);
      }
      lastId = json.getString("id", lastId);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
