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
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import io.herald.history.HistoryParts.ChannelLog;
import io.herald.history.HistoryParts.Entry;
import io.herald.history.HistoryParts.TenantLog;

/**
 * This instance's copy of every tenant's recent events, in the order the topic delivered them.
 * Every instance sees the same topic in the same order, so every instance's copy agrees, and a
 * position (an event id) means "everything after this event" on any of them.
 *
 * <p>A position is looked up by id, or, for a moment this very instance gave out, by its arrival
 * number: both exact. Anything else (an id this instance does not hold, a moment from another
 * instance or an earlier run) can only be compared by time, and then a channel counts as
 * recovered only where that cannot skip anything: not if the channel dropped events after it, nor
 * if an event at or before it arrived here close to or after its time (in flight then, or from
 * an instance whose clock is behind), which the client may never have seen.
 *
 * <p>Not thread-safe: {@link History} guards it. Everything it keeps is bounded: events by
 * {@code maxEvents} and each namespace's retention, last values by {@code maxLastValues}; channel
 * and tenant logs are forgotten once they hold nothing worth knowing.
 */
final class HistoryLog {
  /** Origin prefix of a position that names a moment rather than an event. */
  static final String MOMENT = "~";

  private final Clock clock;
  private final long startMillis;
  private final Function<String, Retention> retention;
  private final int maxEvents;
  private final int maxLastValues;
  private final long toleranceMillis;
  /** Names this run of this instance in the moments it gives out. */
  private final String boot = Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0x1000000));
  private final Map<String, TenantLog> tenants = new HashMap<>();
  /** Every channel log once, for the sweep to take in turn, a slice at a time. */
  private final ArrayDeque<ChannelLog> sweepOrder = new ArrayDeque<>();
  /** Channels that hold a last value, least recently updated first. */
  private final LinkedHashSet<ChannelLog> lastValues = new LinkedHashSet<>();
  /**
   * Arrival numbers of the events dropped last, by id: a client whose last event has just left
   * the history still resumes exactly from it (everything after it may well still be kept).
   */
  private final LinkedHashMap<EventId, Ghost> ghosts =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<EventId, Ghost> eldest) {
          return size() > GHOSTS;
        }
      };

  private static final int GHOSTS = 10_000;

  private record Ghost(String tenant, long seq) {}

  /** What the tenant logs forgotten altogether had dropped. */
  private long forgottenSeq = -1;
  private EventId forgottenId;
  private long forgottenArrived = Long.MIN_VALUE;
  private long nextSeq;
  private int size;
  /** Characters of JSON the kept events hold (their text; the objects around it cost more). */
  private long chars;

  /**
   * @param retention the retention of a channel's namespace, by channel name
   * @param maxEvents events kept on this instance in all, over all tenants and channels
   * @param maxLastValues last values kept on this instance in all
   * @param toleranceMillis how far apart instances' clocks and deliveries may be, for positions
   *     that can only be compared by time
   */
  HistoryLog(Clock clock, Function<String, Retention> retention, int maxEvents, int maxLastValues, long toleranceMillis) {
    this.clock = clock;
    this.startMillis = clock.millis();
    this.retention = retention;
    this.maxEvents = maxEvents;
    this.maxLastValues = maxLastValues;
    this.toleranceMillis = toleranceMillis;
  }

  /** Takes the next event from the topic. */
  void append(Envelope envelope) {
    long now = clock.millis();
    TenantLog tenant = tenants.computeIfAbsent(envelope.tenant(), TenantLog::new);
    ChannelLog channel = tenant.channels.get(envelope.channel());
    if (channel == null) {
      channel = new ChannelLog(tenant, envelope.channel(), retention.apply(envelope.channel()));
      tenant.channels.put(channel.name, channel);
      sweepOrder.addLast(channel);
    }
    Entry entry = new Entry(nextSeq++, now, envelope);
    if (channel.retention.lastValue()) {
      keepLastValue(channel, envelope, now);
    }
    if (!channel.retention.keepsHistory()) {
      ghosts.put(envelope.id(), new Ghost(tenant.id, entry.seq));
      channel.dropped(entry);
      return;
    }
    channel.entries.addLast(entry);
    tenant.index.put(envelope.id(), entry);
    tenant.newest = entry;
    size++;
    chars += text(envelope);
    trim(tenant, channel, now);
    // Over the instance-wide cap, the tenant that grows the log gives up its oldest events.
    while (size > maxEvents && !tenant.index.isEmpty()) {
      Entry oldest = tenant.index.values().iterator().next();
      dropOldest(tenant, tenant.channels.get(oldest.envelope.channel()));
    }
  }

  private void keepLastValue(ChannelLog channel, Envelope envelope, long now) {
    channel.lastValue = envelope;
    channel.lastValueAt = now;
    lastValues.remove(channel); // to the end: the most recently updated
    lastValues.add(channel);
    if (lastValues.size() > maxLastValues) {
      ChannelLog eldest = lastValues.iterator().next();
      lastValues.remove(eldest);
      eldest.lastValue = null;
    }
  }

  /** What a subscriber to {@code channels} that last saw {@code position} has missed. */
  Replay after(String tenantId, Collection<String> channels, EventId position) {
    TenantLog tenant = tenants.get(tenantId);
    if (tenant == null) {
      tenant = new TenantLog(tenantId);
      tenant.forgottenSeq = forgottenSeq;
      tenant.forgottenId = forgottenId;
      tenant.forgottenArrived = forgottenArrived;
    }
    // the arrival number after which everything is missed, when the position is exact here
    long after = exact(tenant, position);
    List<Entry> missed = new ArrayList<>();
    Set<String> gaps = new LinkedHashSet<>();
    List<Entry> lastValues = new ArrayList<>();
    long now = clock.millis();
    for (String name : channels) {
      ChannelLog channel = tenant.channels.get(name);
      boolean gap;
      if (after != Long.MIN_VALUE) {
        gap = (channel == null ? tenant.forgottenSeq : channel.droppedSeq) > after;
      } else {
        gap = !sureByTime(tenant, channel, position);
      }
      if (gap) {
        gaps.add(name);
        lastValue(channel, now, lastValues);
      } else if (channel != null) {
        Iterator<Entry> newestFirst = channel.entries.descendingIterator();
        while (newestFirst.hasNext()) {
          Entry entry = newestFirst.next();
          if (after != Long.MIN_VALUE ? entry.seq <= after : entry.envelope.id().compareTo(position) <= 0) {
            break;
          }
          missed.add(entry);
        }
      }
    }
    return new Replay(envelopes(missed), gaps, envelopes(lastValues), head(tenant));
  }

  /**
   * Whether comparing by time can skip nothing of {@code channel} after {@code position}: this
   * instance ran at that time, the channel dropped nothing after it, and no event at or before it
   * arrived here later than {@code toleranceMillis} before it (such an event may have reached the
   * client's instance only after the client's position was taken).
   */
  private boolean sureByTime(TenantLog tenant, ChannelLog channel, EventId position) {
    long uncertainFrom = position.millis() - toleranceMillis;
    if (position.millis() < startMillis) {
      return false;
    }
    if (channel == null) {
      return !(after(tenant.forgottenId, position) || tenant.forgottenArrived >= uncertainFrom);
    }
    if (after(channel.droppedId, position) || channel.droppedArrived >= uncertainFrom) {
      return false;
    }
    Iterator<Entry> newestFirst = channel.entries.descendingIterator();
    while (newestFirst.hasNext()) {
      Entry entry = newestFirst.next();
      if (entry.arrived < uncertainFrom) {
        return true; // arrival order: everything older arrived earlier still
      }
      if (entry.envelope.id().compareTo(position) <= 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean after(EventId id, EventId position) {
    return id != null && id.compareTo(position) > 0;
  }

  /**
   * The arrival number of the position's event (kept, or dropped lately), or of the last arrival
   * before a moment this run gave out; {@link Long#MIN_VALUE} where it can only be compared by time.
   */
  private long exact(TenantLog tenant, EventId position) {
    Entry seen = tenant.index.get(position);
    if (seen != null) {
      return seen.seq;
    }
    Ghost ghost = ghosts.get(position);
    if (ghost != null && ghost.tenant().equals(tenant.id)) {
      return ghost.seq();
    }
    return ownMoment(position);
  }

  /**
   * Whether a resume from {@code position} can be answered here, by an instance that holds what
   * the broker carried until {@code horizon}. An event id it does not hold, from no earlier than
   * the horizon (less the tolerance), may be on its way here still: the client has it, and events
   * before it that this instance lacks too, which would reach it again as live ones. A moment
   * (the client has seen no event since), a time before this run and one too far ahead to be a
   * real position are compared by time as ever.
   */
  boolean canAnswer(String tenantId, EventId position, long horizon) {
    TenantLog tenant = tenants.get(tenantId);
    if (position.origin().startsWith(MOMENT) || (tenant != null && exact(tenant, position) != Long.MIN_VALUE)) {
      return true;
    }
    long at = position.millis();
    return at < startMillis || at <= horizon - toleranceMillis || at > clock.millis() + toleranceMillis;
  }

  private long ownMoment(EventId position) {
    String origin = position.origin();
    String prefix = MOMENT + boot + ".";
    if (!origin.startsWith(prefix)) {
      return Long.MIN_VALUE;
    }
    try {
      long first = Long.parseLong(origin.substring(prefix.length()));
      return first >= 0 && first <= nextSeq ? first - 1 : Long.MIN_VALUE;
    } catch (NumberFormatException e) {
      return Long.MIN_VALUE;
    }
  }

  /** What a new subscriber to {@code channels} gets first: the latest event of each that keeps one. */
  Replay fresh(String tenantId, Collection<String> channels) {
    TenantLog tenant = tenants.get(tenantId);
    List<Entry> lastValues = new ArrayList<>();
    long now = clock.millis();
    if (tenant != null) {
      for (String name : channels) {
        lastValue(tenant.channels.get(name), now, lastValues);
      }
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
    return head(tenants.get(tenantId));
  }

  /**
   * The newest kept event's id; else a moment, which names the arrival number of the next event
   * so that this instance resumes it exactly (others by time, carefully).
   */
  private EventId head(TenantLog tenant) {
    Entry newest = tenant == null ? null : tenant.newest;
    if (newest != null && tenant.index.get(newest.envelope.id()) == newest) {
      return newest.envelope.id();
    }
    return new EventId(clock.millis(), 0, MOMENT + boot + "." + nextSeq);
  }

  /**
   * Drops what has aged out and forgets what holds nothing worth knowing, for at most
   * {@code budget} channel logs, taken in turn. Returns how many it looked at.
   */
  int sweep(int budget) {
    long now = clock.millis();
    int looked = 0;
    while (looked < budget && !sweepOrder.isEmpty()) {
      ChannelLog channel = sweepOrder.pollFirst();
      looked++;
      if (channel.forgotten) {
        continue;
      }
      TenantLog tenant = channel.tenant;
      trim(tenant, channel, now);
      if (channel.lastValue != null && now - channel.lastValueAt >= channel.retention.lastValueTtlMillis()) {
        channel.lastValue = null;
        lastValues.remove(channel);
      }
      long oldestKept = tenant.index.isEmpty() ? nextSeq : tenant.index.values().iterator().next().seq;
      // Forget a channel only when no kept position precedes what it dropped: then no resume
      // looked up by id can need it, and resumes compared by time see tenant.forgottenId.
      if (channel.entries.isEmpty() && channel.lastValue == null && channel.droppedSeq < oldestKept) {
        tenant.forget(channel);
        tenant.channels.remove(channel.name);
        channel.forgotten = true;
        if (tenant.channels.isEmpty() && tenant.index.isEmpty() && tenants.remove(tenant.id) != null) {
          forgottenSeq = Math.max(forgottenSeq, tenant.forgottenSeq);
          forgottenId = max(forgottenId, tenant.forgottenId);
          forgottenArrived = Math.max(forgottenArrived, tenant.forgottenArrived);
        }
      } else {
        sweepOrder.addLast(channel);
      }
    }
    return looked;
  }

  /** Sweeps everything at once (tests). */
  void sweep() {
    sweep(sweepOrder.size());
  }

  /** Channel logs kept now: one sweep pass looks at each once. */
  int channelCount() {
    return sweepOrder.size();
  }

  int size() {
    return size;
  }

  int lastValueCount() {
    return lastValues.size();
  }

  int tenantCount() {
    return tenants.size();
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
    ghosts.put(entry.envelope.id(), new Ghost(tenant.id, entry.seq));
    channel.dropped(entry);
    size--;
    chars -= text(entry.envelope);
  }

  private static long text(Envelope envelope) {
    return envelope.json().length() + envelope.dataJson().length();
  }

  long chars() {
    return chars;
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

  static EventId max(EventId a, EventId b) {
    return a == null || (b != null && b.compareTo(a) > 0) ? b : a;
  }
}
