package io.herald.bus;

/**
 * What a publish came to.
 *
 * @param envelope the event as distributed (for a repeat: the id of the event that used the key first)
 * @param repeated whether the idempotency key had been used already, so nothing new was sent
 */
public record Published(Envelope envelope, boolean repeated) {}
