package io.herald.presence;

import java.util.Locale;

/** A member's status; the name is the {@code status} field clients see. */
public enum Status {
  ONLINE,
  AWAY;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status named {@code label} ({@code online}, {@code away}), or null. */
  public static Status of(String label) {
    for (Status s : values()) {
      if (s.label().equals(label)) {
        return s;
      }
    }
    return null;
  }
}
