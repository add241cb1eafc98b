package io.herald.presence;

import static io.herald.api.JsonProviders.JSON;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The member list of one channel, and the frames that tell its subscribers how it changes: a
 * {@code join} or {@code leave} at once, {@code update}s gathered until the next flush (the latest
 * view of each member that changed), so that however fast states change, each channel sends at most
 * one update frame per flush interval. Used on the bus thread only (through {@link Replica}).
 */
final class ChannelMembers {
  /** Members in the order of their joins (then user id): the same on every instance. */
  static final Comparator<Member.View> ORDER =
      Comparator.comparingLong(Member.View::since).thenComparing(Member.View::userId);

  private final String tenant;
  private final String channel;
  private final Colors colors;
  private final Map<String, Member> members = new HashMap<>();
  /** Members changed since the last flush, in the order they changed. */
  private final Map<String, Member> changed = new LinkedHashMap<>();
  private int entries;
  /** When the next update may go out (nanos), by the channel's budget, once one went out. */
  private long nextFlush;
  private boolean budgeted;

  ChannelMembers(String tenant, String channel, Colors colors) {
    this.tenant = tenant;
    this.channel = channel;
    this.colors = colors;
  }

  /** Adds or replaces a connection's entry; a {@code join} if its user was not a member yet. */
  Notice put(Entry entry) {
    Member member = members.get(entry.userId());
    if (member == null) {
      member = new Member(entry.userId());
      member.put(entry);
      members.put(entry.userId(), member);
      entries++;
      Member.View view = member.view(colors);
      member.told(view);
      return frame("join", List.of(view));
    }
    if (member.entry(entry.connectionId()) == null) {
      entries++;
    }
    member.put(entry);
    noteChange(member);
    return null;
  }

  /** Removes a connection's entry; a {@code leave} if it was its user's last. */
  Notice remove(String connectionId, String userId) {
    Member member = members.get(userId);
    if (member == null || member.remove(connectionId) == null) {
      return null;
    }
    entries--;
    if (!member.isEmpty()) {
      noteChange(member);
      return null;
    }
    members.remove(userId);
    changed.remove(userId); // an update not yet told is moot: the member is gone
    return frame("leave", List.of(member.told()));
  }

  /** A connection started or stopped typing: part of the member, told by typing frames. */
  void typing(String connectionId, String userId, boolean typing) {
    Member member = members.get(userId);
    Entry entry = member == null ? null : member.entry(connectionId);
    if (entry != null && entry.typing() != typing) {
      member.put(entry.withTyping(typing));
    }
  }

  Entry entry(String connectionId, String userId) {
    Member member = members.get(userId);
    return member == null ? null : member.entry(connectionId);
  }

  private void noteChange(Member member) {
    if (!member.view(colors).sameAs(member.told())) {
      changed.put(member.userId(), member);
    } else {
      changed.remove(member.userId());
    }
  }

  boolean hasChanges() {
    return !changed.isEmpty();
  }

  /**
   * One {@code update} with the latest view of every member that changed since the last, or null
   * (also while the channel's budget makes it wait: its changes are kept for a later flush).
   *
   * <p>The budget: an update of {@code k} members goes to about as many subscribers as there are
   * members ({@code n}), {@code k * n} member updates in all, which grows with the square of a
   * busy channel's size. After such a frame the channel waits {@code k * n / budget} seconds before
   * the next, so a big channel's updates come less often (each with the latest of every member)
   * rather than in more than its subscribers and the gateway can take.
   *
   * @param now nanos
   * @param budget member updates a second this channel may send its subscribers; 0 for no limit
   */
  Notice flush(long now, long budget) {
    if (changed.isEmpty() || (budgeted && now - nextFlush < 0)) {
      return null;
    }
    List<Member.View> views = new ArrayList<>(changed.size());
    for (Member member : changed.values()) {
      Member.View view = member.view(colors);
      if (!view.sameAs(member.told())) {
        member.told(view);
        views.add(view);
      }
    }
    changed.clear();
    if (budget > 0) {
      nextFlush = now + (long) ((double) views.size() * members.size() * 1e9 / budget);
      budgeted = true;
    }
    return views.isEmpty() ? null : frame("update", views);
  }

  /** The whole list, in join order. */
  List<Member.View> views() {
    List<Member.View> views = new ArrayList<>(members.size());
    members.values().forEach(m -> views.add(m.view(colors)));
    views.sort(ORDER);
    return views;
  }

  /** The {@code snapshot} a new subscriber gets first. */
  String snapshot() {
    return frame("snapshot", views()).frame();
  }

  boolean isMember(String userId) {
    return members.containsKey(userId);
  }

  int size() {
    return members.size();
  }

  int entries() {
    return entries;
  }

  int online() {
    int online = 0;
    for (Member m : members.values()) {
      if (m.view(colors).status() == Status.ONLINE) {
        online++;
      }
    }
    return online;
  }

  boolean isEmpty() {
    return members.isEmpty();
  }

  /** {@code {"type":"presence","channel":..,"action":..,"count":..,"online":..,"members":[..]}}. */
  private Notice frame(String action, List<Member.View> views) {
    StringBuilder out = new StringBuilder(96 + 160 * views.size());
    out.append("{\"type\":\"presence\",\"channel\":")
        .append(JSON.createValue(channel))
        .append(",\"action\":\"").append(action)
        .append("\",\"count\":").append(members.size())
        .append(",\"online\":").append(online())
        .append(",\"members\":[");
    for (int i = 0; i < views.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      views.get(i).appendTo(out);
    }
    return new Notice(tenant, channel, action, out.append("]}").toString());
  }
}
