package io.herald.api;

import jakarta.json.JsonObject;
import jakarta.json.spi.JsonProvider;
import java.util.List;

/**
 * The one JSON-P provider Herald uses. {@code jakarta.json.Json}'s static methods look the provider
 * up again on every call, a service-loader scan of every jar of the application; on the publish and
 * delivery paths that scan was a fifth of the CPU (docs/performance.md).
 */
public final class JsonProviders {
  public static final JsonProvider JSON = JsonProvider.provider();

  private JsonProviders() {}

  /**
   * {@code {"<name>": [items...], <fields>}} where the items are JSON texts already serialized
   * (events' shared JSON), joined as they are rather than parsed and written again.
   */
  public static String withArray(String name, List<String> items, JsonObject fields) {
    StringBuilder body = new StringBuilder(32 + items.stream().mapToInt(String::length).sum() + 16 * fields.size());
    body.append("{\"").append(name).append("\":[");
    for (int i = 0; i < items.size(); i++) {
      body.append(i == 0 ? "" : ",").append(items.get(i));
    }
    body.append(']');
    String rest = fields.toString(); // {...}
    return rest.length() > 2 ? body.append(',').append(rest, 1, rest.length()).toString() : body.append('}').toString();
  }
}
