package io.herald.channel;

/**
 * What a namespace allows, read from configuration ({@code herald.namespace.<ns>.*}). Later
 * capabilities (history, presence, last value) add their options here, not in code paths.
 *
 * @param clientPublish whether connected clients may publish into the namespace themselves
 * @param typing whether typing indicators are relayed
 */
public record NamespacePolicy(String namespace, boolean clientPublish, boolean typing) {}
