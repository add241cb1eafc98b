package io.herald.bus;

import java.util.Comparator;

/**
 * An event's position: {@code <epoch millis>-<sequence>-<origin>}. Ids from one origin are strictly
 * increasing, and ids compare by time first, so "everything after id X" means the same on every
 * instance (docs/protocol.md, "Event ids").
 *
 * @param millis publish time at the origin, in epoch milliseconds
 * @param sequence tie-breaker within one millisecond at one origin
 * @param origin the instance (or ingress) that assigned the id
 */
public record EventId(long millis, int sequence, String origin) implements Comparable<EventId> {
  private static final Comparator<EventId> ORDER =
      Comparator.comparingLong(EventId::millis)
          .thenComparingInt(EventId::sequence)
          .thenComparing(EventId::origin);

  /** Parses an id; returns null for anything that is not one (ids come back from clients). */
  public static EventId parse(String text) {
    if (text == null) {
      return null;
    }
    int first = text.indexOf('-');
    int second = first < 0 ? -1 : text.indexOf('-', first + 1);
    if (first <= 0 || second <= first + 1 || second == text.length() - 1) {
      return null;
    }
    try {
      return new EventId(
          Long.parseLong(text.substring(0, first)),
          Integer.parseInt(text.substring(first + 1, second)),
          text.substring(second + 1));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  @Override
  public int compareTo(EventId other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return millis + "-" + sequence + "-" + origin;
  }
}
