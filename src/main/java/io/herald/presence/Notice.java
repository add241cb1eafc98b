package io.herald.presence;

/**
 * A presence frame for the subscribers of one channel on this instance.
 *
 * @param action {@code snapshot}, {@code join}, {@code leave} or {@code update}
 * @param frame the {@code {"type":"presence",...}} message, serialized once for every receiver
 */
public record Notice(String tenant, String channel, String action, String frame) {}
