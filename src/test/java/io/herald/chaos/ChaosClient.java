package io.herald.chaos;

import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.BitSet;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A subscriber of one channel that keeps the promise's books: every event of its channel once and
 * in order, by the sequence numbers its publisher put in the data. It reconnects after every end
 * (to any live instance, over any transport, from its last event id), as a browser with herald.js
 * would; a link silent for too long is taken for dead, as herald.js does, and counted.
 */
final class ChaosClient implements Runnable {
  private static final long STALE_NANOS = TimeUnit.SECONDS.toNanos(12);
  private static final long PING_NANOS = TimeUnit.SECONDS.toNanos(3);

  final int index;
  final String channel;
  private final String token;
  private final Chaos chaos;
  private final Random random;
  private final BlockingQueue<Link.Frame> queue = new LinkedBlockingQueue<>();
  private volatile Link link;

  // the books: only the client's own thread writes them; read at the end, after it stopped
  private final BitSet received = new BitSet();
  /** The event id each number came with: a double with the same id was sent again, one with another id was published again. */
  private final java.util.Map<Integer, String> idOf = new java.util.HashMap<>();
  private final BitSet gapped = new BitSet();
  private volatile int base = -1;
  private volatile int highest;
  private boolean gapPending;
  volatile String lastId;
  private volatile long lastEventAtMillis;
  long doubled;
  long reordered;
  long legitimateGaps;
  long gapsWithinWindow;
  long staleLinks;
  /** Links that ended before a single frame: refused, or to an instance not serving yet. */
  long emptyLinks;
  /** Why those links ended (a status, a close code), and how often. */
  final java.util.Map<String, Long> emptyLinkReasons = new java.util.TreeMap<>();
  /** Links in a row that ended before a frame: the backoff's attempt, as in herald.js. */
  private int refusedInARow;
  long links;
  /** A fault this client is recovering from: its kind, and when, until its next event. */
  private volatile String recovering;
  /** The last frames of other kinds than events, for the notes. */
  private final java.util.List<String> seen = new java.util.ArrayList<>();
  private volatile long faultAtNanos;

  ChaosClient(int index, String channel, String token, Chaos chaos, long seed) {
    this.index = index;
    this.channel = channel;
    this.token = token;
    this.chaos = chaos;
    this.random = new Random(seed);
  }

  @Override
  public void run() {
    while (!chaos.stopping()) {
      Chaos.Instance at = chaos.anyLive(random);
      if (at == null) {
        sleep(200);
        continue;
      }
      Link.Kind kind = Link.Kind.values()[random.nextInt(Link.Kind.values().length)];
      links++;
      Link current = Link.open(kind, at.server(), at.name(), queue, token, channel, lastId);
      link = current;
      serve(current, at);
      // herald.js: a jittered first retry, then full-jitter backoff while connections fail
      sleep(refusedInARow == 0 ? 100 + random.nextInt(400) : random.nextInt((int) Math.min(30_000, 500L << Math.min(refusedInARow, 10)) + 1));
    }
  }

  /** Reads the link's frames until it ends, is cut, or goes silent. */
  private void serve(Link current, Chaos.Instance at) {
    seen.add("| " + current.getClass().getSimpleName() + " to " + at.name());
    long openedAt = System.nanoTime();
    long heardAt = openedAt;
    long pingedAt = heardAt;
    int frames = 0;
    while (!chaos.stopping()) {
      Link.Frame frame;
      try {
        frame = queue.poll(500, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      long now = System.nanoTime();
      if (frame == null) {
        if (now - heardAt > STALE_NANOS) {
          staleLinks++;
          chaos.note(chaos.clock() + " client " + index + ": its " + current.getClass().getSimpleName() + " link to " + at.name()
              + (chaos.isLive(at) ? "" : " (killed)") + " went silent after " + frames + " frames, " + (now - openedAt) / 1_000_000
              + " ms after it opened");
          current.cut(false);
          return;
        }
        if (now - pingedAt > PING_NANOS) {
          pingedAt = now;
          current.ping();
        }
        continue;
      }
      if (frame.link() != current) {
        continue; // a late frame of a link already left: the resume covers it
      }
      if (frame.end()) {
        if (frames == 0) {
          emptyLinks++;
          refusedInARow++;
          if (emptyLinkReasons.size() < 20 || emptyLinkReasons.containsKey(frame.why())) {
            emptyLinkReasons.merge(String.valueOf(frame.why()), 1L, Long::sum);
          }
        } else {
          refusedInARow = 0;
        }
        return;
      }
      heardAt = now;
      frames++;
      if (frame.json() != null) {
        take(frame, at);
      }
    }
  }

  private void take(Link.Frame frame, Chaos.Instance at) {
    JsonObject json;
    try {
      json = jakarta.json.Json.createReader(new StringReader(frame.json())).readObject();
    } catch (RuntimeException notJson) {
      return;
    }
    String type = json.getString("type", frame.sseEvent());
    if (!(json.get("data") instanceof JsonObject)) {
      seen.add(type + (json.containsKey("code") ? " " + json.get("code") : "")); // what came instead of events
      if (seen.size() > 8) {
        seen.remove(0);
      }
    }
    if ("error".equals(type)) {
      chaos.note(chaos.clock() + " client " + index + " on " + at.name() + ": " + json);
    }
    if ("gap".equals(type) && channel.equals(json.getString("channel", null))) {
      gapPending = true;
      // the window was really exceeded only if the instance reached started after this client's
      // last event (its history cannot hold what came before it); anything else is a defect
      if (at.startedAtMillis() > lastEventAtMillis - 1000) {
        legitimateGaps++;
      } else {
        gapsWithinWindow++;
        chaos.note(chaos.clock() + " client " + index + " got a gap on " + at.name() + " for " + channel + " since " + json.getString("since", "?"));
      }
      return;
    }
    JsonObject data = json.get("data") instanceof JsonObject d ? d : null;
    if (data == null || !data.containsKey("seq") || !channel.equals(json.getString("channel", null))) {
      return;
    }
    int seq = data.getInt("seq");
    lastId = json.getString("id", lastId);
    lastEventAtMillis = System.currentTimeMillis();
    if (recovering != null) {
      long took = System.nanoTime() - faultAtNanos;
      chaos.recovered(recovering, took);
      if (took > TimeUnit.SECONDS.toNanos(10) && chaos.slowNote()) {
        chaos.note(chaos.clock() + " client " + index + " had no event of " + channel + " for " + took / 1_000_000 + " ms after a "
            + recovering + "; now on " + frame.link().getClass().getSimpleName() + " to " + at.name() + ", after " + seen);
      }
      recovering = null;
    }
    if (base < 0) {
      base = seq; // a first subscription gets what is published from now on
    } else if (gapPending && seq > highest + 1) {
      gapped.set(highest + 1, seq); // told: the client reloads, nothing owed in between
    }
    gapPending = false;
    if (received.get(seq)) {
      doubled++;
      chaos.note(chaos.clock() + " client " + index + " got " + channel + " #" + seq + " twice (ids " + idOf.get(seq) + ", then " + json.getString("id", "?")
          + "; on " + frame.link().getClass().getSimpleName()
          + " to " + at.name() + ", highest " + highest + ", after " + seen + ")");
      return;
    }
    if (seq < highest) {
      reordered++;
      chaos.note(chaos.clock() + " client " + index + " got " + channel + " #" + seq + " after #" + highest + " (on " + at.name() + ")");
    }
    received.set(seq);
    idOf.put(seq, json.getString("id", "?"));
    highest = Math.max(highest, seq);
  }

  /** Cuts the current link (the fault); the client comes back by itself. */
  void cut(boolean clean, String kind) {
    expectRecovery(kind);
    Link current = link;
    if (current != null) {
      current.cut(clean);
    }
  }

  /** From now until its next event, this client is recovering from a fault of {@code kind}. */
  void expectRecovery(String kind) {
    expectRecovery(kind, System.nanoTime());
  }

  void expectRecovery(String kind, long sinceNanos) {
    if (recovering == null) {
      faultAtNanos = sinceNanos;
      recovering = kind;
    }
  }

  /** How long this client has been waiting for its next event after a fault (0: it is not). */
  long recoveringNanos() {
    return recovering == null ? 0 : System.nanoTime() - faultAtNanos;
  }

  String instanceOf() {
    Link current = link;
    return current == null ? null : current.instance;
  }

  /** Events of {@code 1..last} owed to this client (from its first one on, gaps apart) that it lacks. */
  long lost(int last) {
    if (base < 0) {
      return last; // never got a single event
    }
    long lost = 0;
    for (int seq = base; seq <= last; seq++) {
      if (!received.get(seq) && !gapped.get(seq)) {
        lost++;
      }
    }
    return lost;
  }

  boolean has(int last) {
    return base >= 0 && highest >= last;
  }

  void stop() {
    Link current = link;
    if (current != null) {
      current.cut(false);
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
