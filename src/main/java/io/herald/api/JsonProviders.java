package io.herald.api;

import jakarta.json.spi.JsonProvider;

/**
 * The one JSON-P provider Herald uses. {@code jakarta.json.Json}'s static methods look the provider
 * up again on every call, a service-loader scan of every jar of the application; on the publish and
 * delivery paths that scan was a fifth of the CPU (docs/performance.md).
 */
public final class JsonProviders {
  public static final JsonProvider JSON = JsonProvider.provider();

  private JsonProviders() {}
}
