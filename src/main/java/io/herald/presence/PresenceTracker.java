package io.herald.presence;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.EventBus;
import io.herald.bus.InstanceIdentity;
import io.herald.bus.Signal;
import io.herald.security.Caller;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Reception;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * The presence of this instance's own connections, which this instance is the authority for: it
 * announces each change to every instance through the bus (itself included: its member lists are
 * built from what comes back, like everyone else's), numbered in order. It also keeps the clocks
 * presence needs: state updates relayed at most {@code herald.presence.updates-per-second} per
 * connection and channel (the latest wins), {@code away} and leaving after client silence,
 * heartbeats, the flush of gathered updates, and the end of instances gone silent.
 */
@ApplicationScoped
public class PresenceTracker {
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(PresenceTracker.class.getName());
  /** A snapshot part carries at most this much JSON: well inside the broker's message limit (64 KiB by default). */
  private static final int SNAPSHOT_PART_CHARS = 16_000;

  @Inject EventBus bus;
  @Inject InstanceIdentity instance;
  @Inject PresenceSettings settings;
  @Inject Presence presence;
  @Inject MetricRegistry metrics;

  @Inject io.herald.runtime.Timers scheduler;

  private long boot;
  /** connection id -> channel -> its entry. Guarded by this. */
  private final Map<String, Map<String, LocalEntry>> local = new HashMap<>();
  /** Entries with a state update waiting for its turn to be relayed. Guarded by this. */
  private final List<LocalEntry> waiting = new ArrayList<>();
  private long seq;
  private int present;
  private boolean stopped;
  private volatile long connectedSince = -1;
  private volatile boolean snapshotDue;
  private final Map<String, Long> askedAt = new java.util.concurrent.ConcurrentHashMap<>();
  private final List<ScheduledFuture<?>> timers = new ArrayList<>();

  @PostConstruct
  void start() {
    boot = instance.startedAt().toEpochMilli();
    long interval = settings.updateIntervalMillis();
    every(interval / 2, interval / 2, this::relayWaiting);
    every(interval, interval, this::flush);
    every(settings.sweepMillis(), settings.sweepMillis(), this::sweep);
    // the first beat soon: it is when this instance asks everyone for their presence
    every(200, settings.heartbeatMillis(), this::beat);
    metrics.gauge("herald.presence.connections", this, PresenceTracker::presentCount);
  }

  /** Starts with the application: heartbeats and snapshots flow whether or not anyone connects here. */
  void boot(@Observes @jakarta.enterprise.context.Initialized(ApplicationScoped.class) Object context) {
    instance.id(); // the call makes the container create this bean now
  }

  /** A periodic task; one failure is logged and the next run still happens. */
  private void every(long first, long millis, Runnable task) {
    long period = Math.max(1, millis);
    timers.add(
        scheduler.scheduleAtFixedRate(
            () -> {
              try {
                task.run();
              } catch (RuntimeException e) {
                LOG.log(java.util.logging.Level.WARNING, "A presence task failed", e);
              }
            },
            Math.max(1, first),
            period,
            TimeUnit.MILLISECONDS));
  }

  /** When this instance's current connection to the broker began (nanos), or -1 while it has none. */
  long connectedSince() {
    return connectedSince;
  }

  /**
   * A connection subscribed to a channel whose namespace has presence: it joins the member list
   * (if the list has room). Its user's name and avatar come from its token.
   */
  public void joined(String connectionId, Caller caller, String channel) {
    if (!presence.enabled(channel)) {
      return;
    }
    if (presence.memberCount(caller.tenant(), channel) >= settings.maxMembers()
        && !presence.isMember(caller.tenant(), channel, caller.subject())) {
      metrics.counter("herald.presence.refused", new Tag("reason", "channel_full")).inc();
      return; // subscribed, sees the list, is not in it
    }
    synchronized (this) {
      LocalEntry entry = new LocalEntry(connectionId, caller.tenant(), channel, caller);
      LocalEntry before = local.computeIfAbsent(connectionId, k -> new HashMap<>()).put(channel, entry);
      if (before != null && before.present) {
        present--;
      }
      present++;
      set(entry);
    }
  }

  /** A connection left a channel (unsubscribed, or its subscription ended). */
  public synchronized void left(String connectionId, String channel) {
    Map<String, LocalEntry> channels = local.get(connectionId);
    LocalEntry entry = channels == null ? null : channels.remove(channel);
    if (channels != null && channels.isEmpty()) {
      local.remove(connectionId);
    }
    if (entry != null) {
      leave(entry);
    }
  }

  /** A connection closed: it leaves every list it was in. */
  public synchronized void closed(String connectionId) {
    Map<String, LocalEntry> channels = local.remove(connectionId);
    if (channels != null) {
      channels.values().forEach(this::leave);
    }
  }

  /**
   * The client did something (any message but pings): it is back {@code online} if it had gone
   * away by itself, and back in the lists it had left by silence.
   */
  public synchronized void activity(String connectionId) {
    Map<String, LocalEntry> channels = local.get(connectionId);
    if (channels != null) {
      touch(channels.values());
    }
  }

  /** Marks the entries active: each that had left or gone away by itself is announced again. */
  private java.util.Set<LocalEntry> touch(java.util.Collection<LocalEntry> entries) {
    java.util.Set<LocalEntry> announced = new java.util.HashSet<>();
    long now = System.nanoTime();
    for (LocalEntry entry : entries) {
      entry.activeNanos = now;
      boolean back = entry.status == Status.AWAY && !entry.chosen;
      if (back) {
        entry.status = Status.ONLINE;
      }
      if (!entry.present) {
        entry.present = true;
        entry.since = System.currentTimeMillis();
        present++;
      } else if (!back) {
        continue;
      }
      set(entry);
      announced.add(entry);
    }
    return announced;
  }

  /**
   * A client's {@code presence.update}: a new state (JSON object text, or null to keep it) and/or
   * status. It is activity too, in all the connection's channels. Relayed now, or, if this
   * connection's last update in the channel went out less than an interval ago, when the interval
   * is over: the latest update then wins.
   */
  public synchronized void update(String connectionId, String channel, String state, Status status) {
    Map<String, LocalEntry> channels = local.get(connectionId);
    LocalEntry entry = channels == null ? null : channels.get(channel);
    if (entry == null) {
      throw new HeraldException(
          ErrorCode.PERMISSION_DENIED,
          "Not in " + channel + "'s member list: subscribe to it first (in a namespace with presence, while it has room).");
    }
    if (status != null) {
      entry.status = status;
      entry.chosen = status == Status.AWAY;
    }
    if (state != null) {
      entry.state = state;
      entry.stateAt = System.currentTimeMillis();
    }
    if (touch(channels.values()).contains(entry)) {
      return; // announced with its new state already
    }
    long now = System.nanoTime();
    if (now - entry.relayedNanos >= TimeUnit.MILLISECONDS.toNanos(settings.updateIntervalMillis())) {
      set(entry);
    } else if (entry.updateWaiting) {
      metrics.counter("herald.presence.updates", new Tag("result", "coalesced")).inc();
    } else {
      entry.updateWaiting = true;
      waiting.add(entry);
    }
  }

  /** Relays the waiting updates whose interval is over. */
  private synchronized void relayWaiting() {
    if (waiting.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    long interval = TimeUnit.MILLISECONDS.toNanos(settings.updateIntervalMillis());
    for (java.util.Iterator<LocalEntry> it = waiting.iterator(); it.hasNext(); ) {
      LocalEntry entry = it.next();
      if (!entry.updateWaiting || !entry.present || isGone(entry)) {
        entry.updateWaiting = false;
        it.remove();
      } else if (now - entry.relayedNanos >= interval) {
        it.remove();
        set(entry);
      }
    }
  }

  private boolean isGone(LocalEntry entry) {
    Map<String, LocalEntry> channels = local.get(entry.connectionId);
    return channels == null || channels.get(entry.channel) != entry;
  }

  /** Sets connections away, and takes them out of the lists, after client silence. */
  private synchronized void sweep() {
    long now = System.nanoTime();
    long away = TimeUnit.MILLISECONDS.toNanos(settings.awayAfterMillis());
    long gone = TimeUnit.MILLISECONDS.toNanos(settings.leaveAfterMillis());
    for (Map<String, LocalEntry> channels : local.values()) {
      for (LocalEntry entry : channels.values()) {
        long silent = now - entry.activeNanos;
        if (entry.present && silent > gone) {
          leave(entry);
        } else if (entry.present && entry.status == Status.ONLINE && silent > away) {
          entry.status = Status.AWAY;
          entry.chosen = false;
          set(entry);
        }
      }
    }
    bus.local(signal(PresenceMessage.local(PresenceMessage.EXPIRE), null, null));
  }

  /** Asks the bus to send the updates gathered since the last flush, if there are any. */
  private void flush() {
    if (presence.hasChanges()) {
      bus.local(signal(PresenceMessage.local(PresenceMessage.TICK), null, null));
    }
  }

  /**
   * The heartbeat: tells everyone which number this instance's messages are at, so a receiver that
   * missed one asks for a snapshot. After (re)connecting to the broker, this instance asks every
   * instance for its snapshot, and sends its own.
   */
  private void beat() {
    boolean connected = bus.connected();
    if (!connected) {
      connectedSince = -1;
      return;
    }
    if (connectedSince < 0) {
      connectedSince = System.nanoTime();
      send(PresenceMessage.SYNC, null); // everyone, this one too, sends a snapshot
      return;
    }
    send(PresenceMessage.BEAT, null);
    if (snapshotDue) {
      sendSnapshot();
    }
  }

  /** Another instance (or this one) asked for snapshots: this instance's goes out soon, once. */
  void snapshotAsked() {
    if (!snapshotDue) {
      snapshotDue = true;
      // gathered: many requests at once (several instances starting) get one snapshot
      scheduler.schedule(this::sendSnapshot, 200, TimeUnit.MILLISECONDS);
    }
  }

  /** This replica missed messages from {@code instances}: asks each for its snapshot, at most once per heartbeat. */
  void snapshotsWanted(java.util.Set<String> instances) {
    long now = System.nanoTime();
    for (String other : instances) {
      Long last = askedAt.get(other);
      if (last == null || now - last > TimeUnit.MILLISECONDS.toNanos(settings.heartbeatMillis())) {
        askedAt.put(other, now);
        metrics.counter("herald.presence.syncs", new Tag("kind", "asked")).inc();
        send(PresenceMessage.SYNC, other);
      }
    }
  }

  private synchronized void sendSnapshot() {
    snapshotDue = false;
    if (stopped) {
      return;
    }
    List<Entry> entries = new ArrayList<>();
    local.values().forEach(channels -> channels.values().stream().filter(e -> e.present).forEach(e -> entries.add(entry(e))));
    long at = ++seq;
    List<List<Entry>> parts = new ArrayList<>();
    List<Entry> part = new ArrayList<>();
    int chars = 0;
    for (Entry e : entries) {
      int size = 200 + e.state().length() + (e.name() == null ? 0 : e.name().length()) + (e.avatar() == null ? 0 : e.avatar().length());
      if (!part.isEmpty() && chars + size > SNAPSHOT_PART_CHARS) {
        parts.add(part);
        part = new ArrayList<>();
        chars = 0;
      }
      part.add(e);
      chars += size;
    }
    parts.add(part); // an empty snapshot is one empty part: "I hold nobody"
    for (int i = 0; i < parts.size(); i++) {
      PresenceMessage m =
          new PresenceMessage(PresenceMessage.SNAPSHOT, instance.id(), boot, at, parts.get(i), null, i + 1, parts.size(), null);
      bus.signal(signal(m, null, null));
    }
    metrics.counter("herald.presence.syncs", new Tag("kind", "sent")).inc();
  }

  /**
   * Says goodbye before the application goes: every instance drops this one's members at once.
   * Only if it ever started: an application that failed to deploy must not start it (and the
   * bus, and the broker) on its way out.
   */
  void leaving(@Observes(notifyObserver = Reception.IF_EXISTS) @BeforeDestroyed(ApplicationScoped.class) Object context) {
    synchronized (this) {
      if (stopped) {
        return;
      }
      send(PresenceMessage.BYE, null);
      stopped = true;
    }
    timers.forEach(t -> t.cancel(false));
  }

  private void leave(LocalEntry entry) {
    if (!entry.present) {
      return;
    }
    entry.present = false;
    present--;
    if (stopped) {
      return;
    }
    PresenceMessage m =
        new PresenceMessage(PresenceMessage.REMOVE, instance.id(), boot, ++seq, List.of(), entry(entry), 0, 0, null);
    bus.signal(signal(m, entry.tenant, entry.channel));
  }

  /** Announces an entry as it is now. Called holding this monitor: numbers go out in order. */
  private void set(LocalEntry entry) {
    entry.relayedNanos = System.nanoTime();
    entry.updateWaiting = false;
    if (stopped) {
      return;
    }
    metrics.counter("herald.presence.updates", new Tag("result", "relayed")).inc();
    PresenceMessage m =
        new PresenceMessage(PresenceMessage.SET, instance.id(), boot, ++seq, List.of(entry(entry)), null, 0, 0, null);
    bus.signal(signal(m, entry.tenant, entry.channel));
  }

  private synchronized void send(String op, String to) {
    if (stopped) {
      return;
    }
    bus.signal(signal(new PresenceMessage(op, instance.id(), boot, seq, List.of(), null, 0, 0, to), null, null));
  }

  private Entry entry(LocalEntry e) {
    return new Entry(
        instance.id(), boot, e.tenant, e.channel, e.connectionId, e.caller.subject(), e.caller.name(), e.caller.avatar(),
        e.status, e.state, e.stateAt, e.since, false);
  }

  private static Signal signal(PresenceMessage m, String tenant, String channel) {
    return new Signal(Signal.Kind.PRESENCE, tenant, channel, null, m.json());
  }

  private synchronized int presentCount() {
    return present;
  }
}
