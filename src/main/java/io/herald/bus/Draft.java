package io.herald.bus;

import jakarta.json.JsonValue;

/**
 * An event before the bus gives it an id and a time.
 *
 * @param excludedConnection the publishing connection when it asked not to get its own event
 *     back ({@code echo: false}), else null
 * @param idempotencyKey the publisher's key: a repeat within the window is accepted but not
 *     delivered again (docs/protocol.md, "Idempotent publish"), or null
 */
public record Draft(
    String channel,
    String event,
    JsonValue data,
    String publisher,
    String tenant,
    String excludedConnection,
    String idempotencyKey) {

  /** A server-side publish: nobody is excluded. */
  public Draft(String channel, String event, JsonValue data, String publisher, String tenant) {
    this(channel, event, data, publisher, tenant, null, null);
  }
}
