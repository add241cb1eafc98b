package io.herald.history;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.channel.Retention;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * This instance's copy of every tenant's recent events, in the order the topic delivered them.
 * Every instance sees the same topic in the same order, so every instance's copy agrees, and a
 * position (an event id) means "everything after this event" on any of them.
 *
 * <p>A position is looked up by id. An id this instance does not hold (it started later, the event
 * has aged out, or the position names a moment rather than an event) is compared by time instead,
 * and only where nothing newer than it has been dropped; otherwise the channel has a gap.
 *
 * <p>Not thread-safe: {@link History} guards it.
 */
final class HistoryLog {
  /** Origin of a position that names a moment on this instance rather than an event. */
  static final String MOMENT = "~";

  private static final class Entry {
    final long seq;
    final long arrived;
    final Envelope envelope;

    Entry(long seq, long arrived, Envelope envelope) {
      this.seq = seq;
      this.arrived = arrived;
      this.envelope = envelope;
    }
  }

  private static final class ChannelLog {
    final Retention retention;
    final ArrayDeque<Entry> entries = new ArrayDeque<>();
    /** Arrival number of the newest event not (or no longer) kept; -1 while none. */
    long droppedSeq = -1;
    /** Greatest id not (or no longer) kept, for positions compared by time. */
    EventId droppedId;
    Envelope lastValue;
    long lastValueAt;

    ChannelLog(Retention retention) {
      this.retention = retention;
    }

    void dropped(Entry entry) {
      droppedSeq = entry.seq;
      droppedId = max(droppedId, entry.envelope.id());
    }
  }

  private static final class TenantLog {
    /** Every kept event by id, in arrival order: the first entry is the oldest kept. */
    final LinkedHashMap<EventId, Entry> index = new LinkedHashMap<>();
    final Map<String, ChannelLog> channels = new HashMap<>();
    /** Greatest dropped id of the channel logs forgotten altogether. */
    EventId forgottenId;
    Entry newest;
  }

  private final Clock clock;
  private final long startMillis;
  private final Function<String, Retention> retention;
  private final int maxEvents;
  private final Map<String, TenantLog> tenants = new HashMap<>();
  private long nextSeq;
  private int size;

  /**
   * @param retention the retention of a channel's namespace, by channel name
   * @param maxEvents events kept on this instance in all, over all tenants and channels
   */
  HistoryLog(Clock clock, Function<String, Retention> retention, int maxEvents) {
    this.clock = clock;
    this.startMillis = clock.millis();
    this.retention = retention;
    this.maxEvents = maxEvents;
  }

  /** Takes the next event from the topic. */
  void append(Envelope envelope) {
    long now = clock.millis();
    TenantLog tenant = tenants.computeIfAbsent(envelope.tenant(), t -> new TenantLog());
    ChannelLog channel = tenant.channels.computeIfAbsent(envelope.channel(), c -> new ChannelLog(retention.apply(c)));
    Entry entry = new Entry(nextSeq++, now, envelope);
    if (channel.retention.lastValue()) {
      channel.lastValue = envelope;
      channel.lastValueAt = now;
    }
    if (!channel.retention.keepsHistory()) {
      channel.dropped(entry);
      return;
    }
    channel.entries.addLast(entry);
    tenant.index.put(envelope.id(), entry);
    tenant.newest = entry;
    size++;
    trim(tenant, channel, now);
    // Over the instance-wide cap, the tenant that grows the log gives up its oldest events.
    while (size > maxEvents && !tenant.index.isEmpty()) {
      Entry oldest = tenant.index.values().iterator().next();
      dropOldest(tenant, tenant.channels.get(oldest.envelope.channel()));
    }
  }

  /** What a subscriber to {@code channels} that last saw {@code position} has missed. */
  Replay after(String tenantId, Collection<String> channels, EventId position) {
    TenantLog tenant = tenants.getOrDefault(tenantId, new TenantLog());
    Entry seen = tenant.index.get(position);
    boolean coveredByTime = position.millis() >= startMillis;
    List<Entry> missed = new ArrayList<>();
    Set<String> gaps = new LinkedHashSet<>();
    List<Entry> lastValues = new ArrayList<>();
    long now = clock.millis();
    for (String name : channels) {
      ChannelLog channel = tenant.channels.get(name);
      boolean gap;
      if (seen != null) {
        // channel logs dropped altogether held nothing after anything still kept
        gap = channel != null && channel.droppedSeq > seen.seq;
      } else {
        EventId dropped = channel == null ? tenant.forgottenId : channel.droppedId;
        gap = !coveredByTime || (dropped != null && dropped.compareTo(position) > 0);
      }
      if (gap) {
        gaps.add(name);
        lastValue(channel, now, lastValues);
      } else if (channel != null) {
        Iterator<Entry> newestFirst = channel.entries.descendingIterator();
        while (newestFirst.hasNext()) {
          Entry entry = newestFirst.next();
          if (seen != null ? entry.seq <= seen.seq : entry.envelope.id().compareTo(position) <= 0) {
            break;
          }
          missed.add(entry);
        }
      }
    }
    return new Replay(envelopes(missed), gaps, envelopes(lastValues), head(tenant));
  }

  /** What a new subscriber to {@code channels} gets first: the latest event of each that keeps one. */
  Replay fresh(String tenantId, Collection<String> channels) {
    TenantLog tenant = tenants.getOrDefault(tenantId, new TenantLog());
    List<Entry> lastValues = new ArrayList<>();
    long now = clock.millis();
    for (String name : channels) {
      lastValue(tenant.channels.get(name), now, lastValues);
    }
    return new Replay(List.of(), Set.of(), envelopes(lastValues), head(tenant));
  }

  /** The newest {@code limit} kept events of a channel, oldest first. */
  List<Envelope> latest(String tenantId, String name, int limit) {
    TenantLog tenant = tenants.get(tenantId);
    ChannelLog channel = tenant == null ? null : tenant.channels.get(name);
    if (channel == null) {
      return List.of();
    }
    List<Entry> newest = new ArrayList<>();
    Iterator<Entry> newestFirst = channel.entries.descendingIterator();
    while (newestFirst.hasNext() && newest.size() < limit) {
      newest.add(newestFirst.next());
    }
    return envelopes(newest);
  }

  /** The current position of a tenant: its newest kept event, or else this moment. */
  EventId head(String tenantId) {
    return head(tenants.getOrDefault(tenantId, new TenantLog()));
  }

  private EventId head(TenantLog tenant) {
    Entry newest = tenant.newest;
    if (newest != null && tenant.index.get(newest.envelope.id()) == newest) {
      return newest.envelope.id();
    }
    return new EventId(clock.millis(), 0, MOMENT);
  }

  /** Drops what has aged out, and forgets channels with nothing left worth knowing. */
  void sweep() {
    long now = clock.millis();
    for (TenantLog tenant : tenants.values()) {
      long oldestKept = tenant.index.isEmpty() ? nextSeq : tenant.index.values().iterator().next().seq;
      Iterator<ChannelLog> it = tenant.channels.values().iterator();
      while (it.hasNext()) {
        ChannelLog channel = it.next();
        trim(tenant, channel, now);
        if (channel.lastValue != null && now - channel.lastValueAt >= channel.retention.lastValueTtlMillis()) {
          channel.lastValue = null;
        }
        // Forget a channel only when no kept position precedes what it dropped: then no resume
        // looked up by id can need it, and resumes compared by time see tenant.forgottenId.
        if (channel.entries.isEmpty() && channel.lastValue == null && channel.droppedSeq < oldestKept) {
          tenant.forgottenId = max(tenant.forgottenId, channel.droppedId);
          it.remove();
        }
      }
    }
  }

  int size() {
    return size;
  }

  private void trim(TenantLog tenant, ChannelLog channel, long now) {
    Retention r = channel.retention;
    while (!channel.entries.isEmpty()
        && (channel.entries.size() > r.historySize() || now - channel.entries.peekFirst().arrived >= r.historyTtlMillis())) {
      dropOldest(tenant, channel);
    }
  }

  private void dropOldest(TenantLog tenant, ChannelLog channel) {
    Entry entry = channel.entries.pollFirst();
    tenant.index.remove(entry.envelope.id());
    channel.dropped(entry);
    size--;
  }

  private static void lastValue(ChannelLog channel, long now, List<Entry> into) {
    if (channel != null
        && channel.lastValue != null
        && now - channel.lastValueAt < channel.retention.lastValueTtlMillis()) {
      into.add(new Entry(-1, channel.lastValueAt, channel.lastValue));
    }
  }

  private static List<Envelope> envelopes(List<Entry> entries) {
    entries.sort(Comparator.comparingLong((Entry e) -> e.seq).thenComparingLong(e -> e.arrived));
    List<Envelope> out = new ArrayList<>(entries.size());
    entries.forEach(e -> out.add(e.envelope));
    return out;
  }

  private static EventId max(EventId a, EventId b) {
    return a == null || (b != null && b.compareTo(a) > 0) ? b : a;
  }
}
