package io.herald.bus;

import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The idempotency keys seen within the window, per tenant, with the id of the event that used each
 * first. Every instance sees every event on the topic, so every instance learns every key, whichever
 * instance (or JMS producer) the event came in through; the first event with a key in topic order
 * wins everywhere alike.
 *
 * <p>A key is used only once its event is accepted by distribution. While this instance's own
 * event with a key is on its way, the key is reserved with that send's outcome: a repeat waits for
 * it, and a send that failed gives the key back, so that the documented retry delivers.
 */
public final class IdempotencyKeys {
  /**
   * A key's first event.
   *
   * @param accepted for an event this instance sent and has not yet seen come back, the send's
   *     outcome; null once the event came back from the topic (the key is used for good)
   */
  public record Use(EventId id, long at, CompletableFuture<Void> accepted) {
    /** Whether the event is still on its way from this instance. */
    public boolean inFlight() {
      return accepted != null;
    }
  }

  private final long windowMillis;
  private final int maxKeys;
  private final Clock clock;
  // insertion order is arrival order, so the eldest entry is the first to expire
  private final LinkedHashMap<String, Use> keys = new LinkedHashMap<>();
  // keys this instance has sent and not yet seen come back: a repeat in that gap is answered too
  private final LinkedHashMap<String, Use> pending = new LinkedHashMap<>();

  public IdempotencyKeys(long windowMillis, int maxKeys, Clock clock) {
    this.windowMillis = windowMillis;
    this.maxKeys = maxKeys;
    this.clock = clock;
  }

  private static String key(String tenant, String key) {
    return tenant + '\u001f' + key;
  }

  /**
   * The event that already used this key within the window, or null. A send of this instance that
   * failed does not count: its key is free again.
   */
  public synchronized Use find(String tenant, String key) {
    expire();
    String k = key(tenant, key);
    Use used = keys.get(k);
    if (used != null) {
      return used;
    }
    Use sent = pending.get(k);
    if (sent != null && sent.accepted().isCompletedExceptionally()) {
      pending.remove(k);
      return null;
    }
    return sent;
  }

  /** Notes that this instance is sending an event with this key, with the send's outcome. */
  public synchronized void reserve(String tenant, String key, EventId id, CompletableFuture<Void> accepted) {
    if (windowMillis > 0) {
      pending.put(key(tenant, key), new Use(id, clock.millis(), accepted));
    }
  }

  /** Gives the key of a failed send back, unless another event has taken it since. */
  public synchronized void release(String tenant, String key, EventId id) {
    String k = key(tenant, key);
    Use sent = pending.get(k);
    if (sent != null && sent.id().equals(id)) {
      pending.remove(k);
    }
  }

  /**
   * Records the key of a received event. Returns false for a repeat: the key was used within the
   * window by another event, so this one must not be delivered. Events without a key always pass.
   */
  public synchronized boolean admit(Envelope envelope) {
    if (envelope.idempotencyKey() == null || windowMillis <= 0) {
      return true;
    }
    expire();
    String key = key(envelope.tenant(), envelope.idempotencyKey());
    pending.remove(key);
    Use seen = keys.get(key);
    if (seen != null) {
      return seen.id().equals(envelope.id()); // the same event again is the broker's business
    }
    keys.put(key, new Use(envelope.id(), clock.millis(), null));
    return true;
  }

  private void expire() {
    long oldest = clock.millis() - windowMillis;
    expire(keys, oldest);
    expire(pending, oldest);
  }

  private void expire(LinkedHashMap<String, Use> seen, long oldest) {
    Iterator<Map.Entry<String, Use>> it = seen.entrySet().iterator();
    while (it.hasNext()) {
      Use eldest = it.next().getValue();
      if (eldest.at() >= oldest && seen.size() <= maxKeys) {
        return;
      }
      it.remove();
    }
  }
}
