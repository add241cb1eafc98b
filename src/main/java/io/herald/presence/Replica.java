package io.herald.presence;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * This instance's copy of everyone's presence: the entries every instance announced (its own
 * included, as they come back through the broker), and the member lists they make. Every instance
 * applies the same messages in the broker's one order, so every instance shows the same lists.
 *
 * <p>Each instance is the authority for its own connections' entries. A receiver keeps, per
 * instance, the number of the last message it applied; a message missed (the broker was away, a
 * bus was full) shows as a jump, or in the next heartbeat, and the receiver asks that instance for
 * a snapshot, which replaces everything it had from it. An instance that says goodbye, or is not
 * heard from for the instance timeout while this one is connected, has its entries dropped: its
 * members leave. A restarted instance is a new boot; the entries of its former boot go at once.
 *
 * <p>Pure logic, no clock of its own (times are passed in) and thread-safe by a monitor: applied on
 * the bus thread, read by requests.
 */
final class Replica {
  /** What applying a message came to. */
  record Outcome(List<Notice> notices, Set<String> snapshotsWanted, boolean snapshotAsked) {
    static final Outcome NONE = new Outcome(List.of(), Set.of(), false);
  }

  /** What this replica knows of one instance. */
  private static final class Origin {
    long boot;
    /** The number of the last message applied; -1 before the first. */
    long seq = -1;
    long heardNanos;
    boolean gone;
    /** The seq a snapshot's parts carry, and the entries collected so far; null between snapshots. */
    long snapshotSeq;
    int snapshotNext;
    List<Entry> snapshotParts;
    final Map<String, Entry> entries = new HashMap<>();

    Origin(long boot, long now) {
      this.boot = boot;
      this.heardNanos = now;
    }
  }

  private final String self;
  private final long selfBoot;
  private final Colors colors;
  private final int maxEntries;
  private final Map<String, Origin> origins = new HashMap<>();
  private final Map<String, ChannelMembers> channels = new HashMap<>();
  private int entryCount;
  private long refused;
  private volatile boolean changes;
  /** Member updates a second each channel may send (ChannelMembers#flush). */
  private final long channelBudget;

  Replica(String self, long selfBoot, Colors colors, int maxEntries, long channelBudget) {
    this.channelBudget = channelBudget;
    this.self = self;
    this.selfBoot = selfBoot;
    this.colors = colors;
    this.maxEntries = maxEntries;
  }

  /** Applies a message from an instance (or a local tick/expire); {@code now} in nanos. */
  synchronized Outcome apply(PresenceMessage m, long now, long timeoutNanos, long connectedSince) {
    return switch (m.op()) {
      case PresenceMessage.TICK -> new Outcome(flush(now), Set.of(), false);
      case PresenceMessage.EXPIRE -> new Outcome(expire(now, timeoutNanos, connectedSince), Set.of(), false);
      case PresenceMessage.SYNC -> new Outcome(List.of(), Set.of(), m.to() == null || m.to().equals(self));
      default -> fromInstance(m, now);
    };
  }

  private Outcome fromInstance(PresenceMessage m, long now) {
    if (m.instance().equals(self) && m.boot() != selfBoot) {
      return Outcome.NONE; // this instance's former life, still queued in its subscription
    }
    List<Notice> notices = new ArrayList<>();
    Origin origin = origins.get(m.instance());
    if (origin == null || origin.boot < m.boot()) {
      if (origin != null) {
        dropAll(origin, notices); // a newer boot of the same instance: the former one is gone
      }
      origin = new Origin(m.boot(), now);
      origins.put(m.instance(), origin);
    } else if (origin.boot > m.boot() || origin.gone) {
      return Outcome.NONE; // a former boot, or one that said goodbye
    }
    origin.heardNanos = now;
    Set<String> wanted = new HashSet<>();
    switch (m.op()) {
      case PresenceMessage.SET, PresenceMessage.REMOVE -> {
        if (origin.seq < 0 || m.seq() != origin.seq + 1) {
          wanted.add(m.instance()); // missed something (or never heard it before): ask for all
        }
        origin.seq = m.seq();
        if (m.op().equals(PresenceMessage.SET)) {
          set(origin, m.entries().get(0), notices);
        } else {
          remove(origin, m.key(), notices);
        }
      }
      case PresenceMessage.BEAT -> {
        if (m.seq() != origin.seq) {
          wanted.add(m.instance());
        }
      }
      case PresenceMessage.SNAPSHOT -> snapshotPart(origin, m, notices);
      case PresenceMessage.BYE -> {
        dropAll(origin, notices);
        origin.gone = true;
      }
      default -> throw new IllegalArgumentException("unknown presence op " + m.op());
    }
    return new Outcome(notices, wanted, false);
  }

  private void snapshotPart(Origin origin, PresenceMessage m, List<Notice> notices) {
    if (m.part() == 1) {
      origin.snapshotParts = new ArrayList<>();
      origin.snapshotSeq = m.seq();
      origin.snapshotNext = 1;
    }
    if (origin.snapshotParts == null || m.part() != origin.snapshotNext || m.seq() != origin.snapshotSeq) {
      origin.snapshotParts = null; // a part went missing: wait for the next snapshot
      return;
    }
    origin.snapshotParts.addAll(m.entries());
    origin.snapshotNext++;
    if (m.part() < m.parts()) {
      return;
    }
    // Complete: it replaces whatever this replica had from that instance.
    Map<String, Entry> now = new HashMap<>();
    origin.snapshotParts.forEach(e -> now.put(e.key(), e));
    origin.snapshotParts = null;
    for (Entry old : List.copyOf(origin.entries.values())) {
      if (!now.containsKey(old.key())) {
        remove(origin, old, notices);
      }
    }
    for (Entry e : now.values()) {
      if (!e.equals(origin.entries.get(e.key()))) {
        set(origin, e, notices);
      }
    }
    origin.seq = m.seq();
  }

  private void set(Origin origin, Entry announced, List<Notice> notices) {
    Entry before = origin.entries.get(announced.key());
    if (before == null && entryCount >= maxEntries) {
      refused++;
      return;
    }
    if (before != null && !before.userId().equals(announced.userId())) {
      remove(origin, before, notices); // never happens with Herald's own ids; kept consistent anyway
      before = null;
    }
    // typing comes from typing signals, not from the entry's announcements
    Entry entry = before == null ? announced : announced.withTyping(before.typing());
    if (origin.entries.put(entry.key(), entry) == null) {
      entryCount++;
    }
    ChannelMembers members =
        channels.computeIfAbsent(
            channelKey(entry.tenant(), entry.channel()), k -> new ChannelMembers(announced.tenant(), announced.channel(), colors));
    add(notices, members.put(entry));
    changes |= members.hasChanges();
  }

  private void remove(Origin origin, Entry key, List<Notice> notices) {
    Entry entry = origin.entries.remove(key.key());
    if (entry == null) {
      return;
    }
    entryCount--;
    String channelKey = channelKey(entry.tenant(), entry.channel());
    ChannelMembers members = channels.get(channelKey);
    if (members == null) {
      return;
    }
    add(notices, members.remove(entry.connectionId(), entry.userId()));
    changes |= members.hasChanges();
    if (members.isEmpty()) {
      channels.remove(channelKey);
    }
  }

  private void dropAll(Origin origin, List<Notice> notices) {
    for (Entry e : List.copyOf(origin.entries.values())) {
      remove(origin, e, notices);
    }
    origin.snapshotParts = null;
  }

  /** The updates gathered since the last flush, one frame per channel. */
  private List<Notice> flush(long now) {
    boolean waiting = false;
    List<Notice> notices = new ArrayList<>();
    for (ChannelMembers members : channels.values()) {
      add(notices, members.flush(now, channelBudget));
      waiting |= members.hasChanges(); // held back by its budget
    }
    changes = waiting;
    return notices;
  }

  /**
   * Drops the instances not heard from for {@code timeoutNanos}. Silence counts only from when this
   * instance itself was last connected to the broker ({@code connectedSince}, nanos; negative
   * while it is not): while it is away, it cannot hear anyone.
   */
  private List<Notice> expire(long now, long timeoutNanos, long connectedSince) {
    List<Notice> notices = new ArrayList<>();
    if (connectedSince < 0) {
      return notices;
    }
    for (Iterator<Map.Entry<String, Origin>> it = origins.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Origin> e = it.next();
      Origin origin = e.getValue();
      boolean silent = now - Math.max(origin.heardNanos, connectedSince) > timeoutNanos;
      if (silent && !e.getKey().equals(self)) {
        dropAll(origin, notices);
        it.remove();
      }
    }
    return notices;
  }

  /** A connection started or stopped typing (typing signals): kept in its member's view. */
  synchronized void typing(String tenant, String channel, String connectionId, String userId, boolean typing) {
    String key = Entry.key(tenant, channel, connectionId);
    for (Origin origin : origins.values()) {
      Entry entry = origin.entries.get(key);
      if (entry != null && entry.userId().equals(userId)) {
        origin.entries.put(key, entry.withTyping(typing));
        channels.get(channelKey(tenant, channel)).typing(connectionId, userId, typing);
        return;
      }
    }
  }

  /** The {@code snapshot} frame of a channel, or null if it has no member. */
  synchronized String snapshot(String tenant, String channel) {
    ChannelMembers members = channels.get(channelKey(tenant, channel));
    return members == null ? null : members.snapshot();
  }

  /** A channel's members, in join order, and how many are online. */
  synchronized List<Member.View> members(String tenant, String channel) {
    ChannelMembers members = channels.get(channelKey(tenant, channel));
    return members == null ? List.of() : members.views();
  }

  synchronized boolean isMember(String tenant, String channel, String userId) {
    ChannelMembers members = channels.get(channelKey(tenant, channel));
    return members != null && members.isMember(userId);
  }

  synchronized int memberCount(String tenant, String channel) {
    ChannelMembers members = channels.get(channelKey(tenant, channel));
    return members == null ? 0 : members.size();
  }

  /** Whether updates wait for a flush; read without the monitor by the flush timer. */
  boolean hasChanges() {
    return changes;
  }

  synchronized int members() {
    int n = 0;
    for (ChannelMembers m : channels.values()) {
      n += m.size();
    }
    return n;
  }

  synchronized int entries() {
    return entryCount;
  }

  synchronized int channels() {
    return channels.size();
  }

  /** Instances this replica has entries or news from, itself included. */
  synchronized int instances() {
    return (int) origins.values().stream().filter(o -> !o.gone).count();
  }

  /** Entries not kept because {@code maxEntries} were kept already. */
  synchronized long refused() {
    return refused;
  }

  private static void add(List<Notice> notices, Notice notice) {
    if (notice != null) {
      notices.add(notice);
    }
  }

  private static String channelKey(String tenant, String channel) {
    return tenant + '\u001f' + channel;
  }
}
