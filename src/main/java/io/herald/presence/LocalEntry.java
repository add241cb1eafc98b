package io.herald.presence;

import io.herald.security.Caller;

/** One connection in one channel, as this instance holds it (PresenceTracker guards it). */
final class LocalEntry {
  final String connectionId;
  final String tenant;
  final String channel;
  final Caller caller;
  long since = System.currentTimeMillis();
  Status status = Status.ONLINE;
  /** Whether the client set {@code away} itself: then only the client sets it back. */
  boolean chosen;
  String state = "{}";
  long stateAt = since;
  long activeNanos = System.nanoTime();
  boolean present = true;
  long relayedNanos = Long.MIN_VALUE / 2;
  boolean updateWaiting;

  LocalEntry(String connectionId, String tenant, String channel, Caller caller) {
    this.connectionId = connectionId;
    this.tenant = tenant;
    this.channel = channel;
    this.caller = caller;
  }
}
