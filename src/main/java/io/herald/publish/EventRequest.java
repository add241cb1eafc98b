package io.herald.publish;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A publish request body, {@code {"event": "job.update", "data": ...}}, read within the size limit
 * and validated. Shared by every entry point that takes events from outside.
 */
public record EventRequest(String event, JsonValue data) {
  private static final Pattern EVENT_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}");

  /** Names the transports use for their own frames; an application event may not take them. */
  public static final Set<String> RESERVED = Set.of("connected", "gap", "token_expired", "heartbeat");

  /** Reads at most {@code limit} bytes; one byte more is a 413, never a truncated event. */
  public static byte[] readLimited(InputStream in, int limit) {
    try {
      byte[] body = in.readNBytes(limit + 1);
      if (body.length > limit) {
        throw tooLarge(limit);
      }
      return body;
    } catch (IOException e) {
      throw new HeraldException(ErrorCode.INVALID_REQUEST, "The request body could not be read.");
    }
  }

  public static HeraldException tooLarge(int limit) {
    return new HeraldException(
        ErrorCode.PAYLOAD_TOO_LARGE, "The body exceeds the limit of " + limit + " bytes.");
  }

  public static EventRequest parse(byte[] body) {
    JsonValue value;
    try (JsonReader reader = Json.createReader(new ByteArrayInputStream(body))) {
      value = reader.readValue();
    } catch (JsonException | IllegalStateException e) {
      throw new HeraldException(ErrorCode.INVALID_JSON, "The body is not well-formed JSON: " + e.getMessage());
    }
    if (!(value instanceof JsonObject object)) {
      throw new HeraldException(ErrorCode.INVALID_EVENT, "The body must be a JSON object.");
    }
    return new EventRequest(name(object.get("event")), object.getOrDefault("data", JsonValue.NULL));
  }

  static String name(JsonValue value) {
    if (!(value instanceof JsonString string)) {
      throw new HeraldException(ErrorCode.INVALID_EVENT, "\"event\" (a string) is required.");
    }
    String name = string.getString();
    if (!EVENT_NAME.matcher(name).matches()) {
      throw new HeraldException(
          ErrorCode.INVALID_EVENT,
          "Event names are 1-64 of A-Z a-z 0-9 _ . : - and start with a letter, digit or _.");
    }
    if (RESERVED.contains(name)) {
      throw new HeraldException(ErrorCode.INVALID_EVENT, "The event name '" + name + "' is reserved.");
    }
    return name;
  }
}
