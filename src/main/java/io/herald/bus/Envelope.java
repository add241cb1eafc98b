package io.herald.bus;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.time.Instant;

/**
 * One event as it travels the bus and reaches clients. Its JSON form is built once, here, and
 * shared by every connection that receives it (never serialized per connection).
 */
public final class Envelope {
  private final EventId id;
  private final String channel;
  private final String event;
  private final JsonValue data;
  private final String publisher;
  private final String tenant;
  private final Instant timestamp;
  private final String json;

  public Envelope(
      EventId id,
      String channel,
      String event,
      JsonValue data,
      String publisher,
      String tenant,
      Instant timestamp) {
    this.id = id;
    this.channel = channel;
    this.event = event;
    this.data = data == null ? JsonValue.NULL : data;
    this.publisher = publisher;
    this.tenant = tenant;
    this.timestamp = timestamp;
    this.json = toJson().toString();
  }

  /** Rebuilds an envelope from its JSON form (as carried between instances). */
  public static Envelope fromJson(JsonObject o) {
    return new Envelope(
        EventId.parse(o.getString("id")),
        o.getString("channel"),
        o.getString("event"),
        o.get("data"),
        o.isNull("publisher") ? null : o.getString("publisher", null),
        o.containsKey("tenant") && !o.isNull("tenant") ? o.getString("tenant") : null,
        Instant.parse(o.getString("timestamp")));
  }

  private JsonObject toJson() {
    JsonObjectBuilder b =
        Json.createObjectBuilder()
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

  public JsonValue data() {
    return data;
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

  /** The envelope as JSON text, identical for every receiver. */
  public String json() {
    return json;
  }

  @Override
  public String toString() {
    return "Envelope[" + id + " " + channel + " " + event + "]";
  }
}
