package io.herald.publish;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.api.Unicode;
import io.herald.bus.EventNames;
import jakarta.json.stream.JsonLocation;
import jakarta.json.stream.JsonParsingException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A publish request body, {@code {"event": "job.update", "data": ...}}, read within the size limit
 * and validated. Shared by every entry point that takes events from outside.
 */
public record EventRequest(String event, JsonValue data) {
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
    JsonValue value = readJson(body);
    if (!(value instanceof JsonObject object)) {
      throw new HeraldException(ErrorCode.INVALID_EVENT, "The body must be a JSON object.");
    }
    return new EventRequest(EventNames.validate(object.get("event")), object.getOrDefault("data", JsonValue.NULL));
  }

  /**
   * Any JSON value; a body that is not JSON is a 400 {@code INVALID_JSON} that says where, in its
   * own words (the parser's message names its internals).
   */
  static JsonValue readJson(byte[] body) {
    JsonValue value;
    try (JsonReader reader = JSON.createReader(new ByteArrayInputStream(body))) {
      value = reader.readValue();
    } catch (JsonParsingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " (line " + at.getLineNumber() + ", column " + at.getColumnNumber() + ")";
      throw new HeraldException(ErrorCode.INVALID_JSON, "The body is not well-formed JSON" + where + ".");
    } catch (RuntimeException e) {
      // JsonException, or, from the JSON-P implementation Payara ships, a plain RuntimeException
      // for input nested more than 1000 deep
      throw new HeraldException(ErrorCode.INVALID_JSON, "The body is not well-formed JSON, or is nested too deeply.");
    }
    if (!Unicode.wellFormed(value)) {
      throw new HeraldException(ErrorCode.INVALID_JSON, "The body holds a string that is not valid Unicode (a lone surrogate escape).");
    }
    return value;
  }
}
