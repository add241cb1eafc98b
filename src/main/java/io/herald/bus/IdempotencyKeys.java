package io.herald.bus;

import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The idempotency keys seen within the window, per tenant, with the id of the event that used each
 * first. Every instance sees every event on the topic, so every instance learns every key, whichever
 * instance (or JMS producer) the event came in through; the first event with a key in topic order
 * wins everywhere alike.
 */
public final class IdempotencyKeys {
  private record Seen(EventId id, long at) {}

  private final long windowMillis;
  private final int maxKeys;
  private final Clock clock;
  // insertion order is arrival order, so the eldest entry is the first to expire
  private final LinkedHashMap<String, Seen> keys = new LinkedHashMap<>();
  // keys this instance has sent and not yet seen come back: a repeat in that gap is answered too
  private final LinkedHashMap<String, Seen> pending = new LinkedHashMap<>();

  public IdempotencyKeys(long windowMillis, int maxKeys, Clock clock) {
    this.windowMillis = windowMillis;
    this.maxKeys = maxKeys;
    this.clock = clock;
  }

  /** The id of the event that already used this key within the window, or null. */
  public synchronized EventId find(String tenant, String key) {
    expire();
    String k = tenant + '\u001f' + key;
    Seen seen = keys.get(k);
    if (seen == null) {
      seen = pending.get(k);
    }
    return seen == null ? null : seen.id();
  }

  /** Notes that this instance sent an event with this key, until it comes back from the topic. */
  public synchronized void reserve(String tenant, String key, EventId id) {
    if (windowMillis > 0) {
      pending.put(tenant + '\u001f' + key, new Seen(id, clock.millis()));
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
    String key = envelope.tenant() + '\u001f' + envelope.idempotencyKey();
    pending.remove(key);
    Seen seen = keys.get(key);
    if (seen != null) {
      return seen.id().equals(envelope.id()); // the same event again is the broker's business
    }
    keys.put(key, new Seen(envelope.id(), clock.millis()));
    return true;
  }

  private void expire() {
    long oldest = clock.millis() - windowMillis;
    expire(keys, oldest);
    expire(pending, oldest);
  }

  private void expire(LinkedHashMap<String, Seen> seen, long oldest) {
    Iterator<Map.Entry<String, Seen>> it = seen.entrySet().iterator();
    while (it.hasNext()) {
      Seen eldest = it.next().getValue();
      if (eldest.at() >= oldest && seen.size() <= maxKeys) {
        return;
      }
      it.remove();
    }
  }
}
