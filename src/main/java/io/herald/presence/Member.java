package io.herald.presence;

import static io.herald.api.JsonProviders.JSON;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One user in one channel's member list: however many connections (tabs, devices, transports,
 * instances) that user has there, one member. What clients see of it ({@link View}):
 *
 * <ul>
 *   <li>{@code status}: {@code online} if any of its connections is, else {@code away};
 *   <li>{@code state}: the state its connections set most recently (last writer wins, per user);
 *   <li>{@code since}: when it joined (its first connection), until it leaves;
 *   <li>{@code typing}: whether any of its connections is typing there.
 * </ul>
 */
final class Member {
  /**
   * A member as clients see it. Two views differ for an {@code update} only in what an update
   * carries: typing has its own frames.
   */
  record View(String userId, String name, String avatar, String color, Status status, String state, long since, boolean typing) {
    boolean sameAs(View other) {
      return other != null
          && userId.equals(other.userId)
          && java.util.Objects.equals(name, other.name)
          && java.util.Objects.equals(avatar, other.avatar)
          && status == other.status
          && state.equals(other.state)
          && since == other.since;
    }

    /** The member as JSON, appended to {@code out}. */
    void appendTo(StringBuilder out) {
      out.append("{\"userId\":").append(quoted(userId));
      if (name != null) {
        out.append(",\"name\":").append(quoted(name));
      }
      if (avatar != null) {
        out.append(",\"avatar\":").append(quoted(avatar));
      }
      out.append(",\"color\":").append(quoted(color))
          .append(",\"status\":\"").append(status.label())
          .append("\",\"state\":").append(state) // a JSON object Herald serialized itself
          .append(",\"since\":\"").append(Instant.ofEpochMilli(since))
          .append("\",\"typing\":").append(typing)
          .append('}');
    }

    private static String quoted(String text) {
      return JSON.createValue(text).toString();
    }
  }

  private final String userId;
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  /** When its first connection joined: a tab closing while another stays changes nothing. */
  private long since = Long.MAX_VALUE;
  /** What this channel's subscribers were last told of it. */
  private View told;

  Member(String userId) {
    this.userId = userId;
  }

  String userId() {
    return userId;
  }

  /** Adds or replaces a connection's entry. */
  void put(Entry entry) {
    entries.put(entry.connectionId(), entry);
    since = Math.min(since, entry.since());
  }

  Entry remove(String connectionId) {
    return entries.remove(connectionId);
  }

  Entry entry(String connectionId) {
    return entries.get(connectionId);
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  View told() {
    return told;
  }

  void told(View view) {
    told = view;
  }

  View view(Colors colors) {
    Entry latest = null;
    Entry newestProfile = null;
    boolean online = false;
    boolean typing = false;
    for (Entry e : entries.values()) {
      if (latest == null || e.stateAt() > latest.stateAt()) {
        latest = e;
      }
      if (newestProfile == null || e.since() >= newestProfile.since()) {
        newestProfile = e; // the most recent token says who the user is now
      }
      online |= e.status() == Status.ONLINE;
      typing |= e.typing();
    }
    return new View(
        userId,
        newestProfile.name(),
        newestProfile.avatar(),
        colors.of(userId),
        online ? Status.ONLINE : Status.AWAY,
        latest.state(),
        since,
        typing);
  }
}
