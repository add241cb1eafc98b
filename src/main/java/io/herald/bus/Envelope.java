package io.herald.bus;

import static io.herald.api.JsonProviders.JSON;

import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.time.Instant;

/**
 * One event as it travels the bus and reaches clients. Its JSON form is built once, here, and
 * shared by every connection on every transport (never serialized per connection): it is the SSE
 * {@code data:} and, as it starts with {@code "type":"event"}, the WebSocket frame as well.
 *
 * <p>The data is kept as JSON text, not as the tree it arrived as: the history keeps envelopes
 * for minutes, and a parsed object tree (maps, entries, value objects) costs several times its
 * text in heap and in the collector's marking work (docs/performance.md).
 */
public final class Envelope {
  private final EventId id;
  private final String channel;
  private final String event;
  private final String dataJson;
  private final String publisher;
  private final String tenant;
  private final Instant timestamp;
  private final String json;
  private final String excludedConnection;
  private final String idempotencyKey;

  public Envelope(
      EventId id,
      String channel,
      String event,
      JsonValue data,
      String publisher,
      String tenant,
      Instant timestamp) {
    this(id, channel, event, data, publisher, tenant, timestamp, null, null);
  }

  /**
   * @param excludedConnection a connection that must not receive this event (a publisher that
   *     asked for no echo), or null; never serialized to clients
   * @param idempotencyKey the publisher's key for this event (a repeat with the same key in the
   *     same tenant is delivered once), or null; never serialized to clients
   */
  public Envelope(
      EventId id,
      String channel,
      String event,
      JsonValue data,
      String publisher,
      String tenant,
      Instant timestamp,
      String excludedConnection,
      String idempotencyKey) {
    this.excludedConnection = excludedConnection;
    this.idempotencyKey = idempotencyKey;
    this.id = id;
    this.channel = channel;
    this.event = event;
    JsonValue value = data == null ? JsonValue.NULL : data;
    this.dataJson = value.toString();
    this.publisher = publisher;
    this.tenant = tenant;
    this.timestamp = timestamp;
    this.json = toJson(value).toString();
  }

  private JsonObject toJson(JsonValue data) {
    JsonObjectBuilder b =
        JSON.createObjectBuilder()
            .add("type", "event")
            .add("id", id.toString())
            .add("channel", channel)
            .add("event", event)
            .add("data", data);
    if (publisher == null) {
      b.addNull("publisher");
    } else {
      b.add("publisher", publisher);
    }
    if (tenant == null) {
      b.addNull("tenant");
    } else {
      b.add("tenant", tenant);
    }
    return b.add("timestamp", timestamp.toString()).build();
  }

  public EventId id() {
    return id;
  }

  public String channel() {
    return channel;
  }

  public String event() {
    return event;
  }

  /** The event's data as JSON text. */
  public String dataJson() {
    return dataJson;
  }

  public String publisher() {
    return publisher;
  }

  public String tenant() {
    return tenant;
  }

  public Instant timestamp() {
    return timestamp;
  }

  public String excludedConnection() {
    return excludedConnection;
  }

  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** The envelope as JSON text, identical for every receiver. */
  public String json() {
    return json;
  }

  @Override
  public String toString() {
    return "Envelope[" + id + " " + channel + " " + event + "]";
  }
}
