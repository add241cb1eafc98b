package io.herald.security;

import java.util.Set;

/**
 * Channel patterns carried in tokens ({@code herald_subscribe}, {@code herald_publish}). Deliberately
 * not regular expressions (a token must never make the server run an arbitrary pattern):
 *
 * <ul>
 *   <li>{@code jobs.42} matches exactly that channel;
 *   <li>{@code jobs.*} matches every channel of the namespace {@code jobs};
 *   <li>{@code docs.7.*} matches {@code docs.7.<anything>} (one or more further segments);
 *   <li>{@code *} matches every channel.
 * </ul>
 */
public final class Grants {
  private Grants() {}

  public static boolean allows(Set<String> patterns, String channel) {
    for (String pattern : patterns) {
      if (matches(pattern, channel)) {
        return true;
      }
    }
    return false;
  }

  static boolean matches(String pattern, String channel) {
    if (pattern.equals("*") || pattern.equals(channel)) {
      return true;
    }
    if (pattern.endsWith(".*")) {
      String prefix = pattern.substring(0, pattern.length() - 1); // keeps the dot
      return channel.length() > prefix.length() && channel.startsWith(prefix);
    }
    return false;
  }
}
