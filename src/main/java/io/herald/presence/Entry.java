package io.herald.presence;

/**
 * One connection's presence in one channel, as the instance that holds the connection announced
 * it. A member is the entries of one user in one channel, whichever instances hold them.
 *
 * @param origin the instance holding the connection
 * @param boot when that instance started (epoch millis): a restarted instance is a new boot
 * @param name from the token's name claim, or null
 * @param avatar from the token's avatar claim, or null
 * @param state the connection's own small JSON object (cursor, selection, view), as JSON text
 * @param stateAt when the state was last set (epoch millis, the origin's clock)
 * @param since when the connection joined (epoch millis, the origin's clock)
 */
record Entry(
    String origin,
    long boot,
    String tenant,
    String channel,
    String connectionId,
    String userId,
    String name,
    String avatar,
    Status status,
    String state,
    long stateAt,
    long since,
    boolean typing) {

  Entry withTyping(boolean now) {
    return new Entry(origin, boot, tenant, channel, connectionId, userId, name, avatar, status, state, stateAt, since, now);
  }

  /** The key of a connection's entry in a channel: tenant, channel and connection. */
  String key() {
    return key(tenant, channel, connectionId);
  }

  static String key(String tenant, String channel, String connectionId) {
    return tenant + '\u001f' + channel + '\u001f' + connectionId;
  }
}
