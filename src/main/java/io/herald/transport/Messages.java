package io.herald.transport;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.api.Unicode;
import io.herald.channel.ChannelName;
import io.herald.channel.Channels;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;

/**
 * Reading {@code herald.v1} client messages (over a WebSocket, or posted for an SSE stream or a
 * long-poll session) and writing the replies' common parts: pure functions, each bad input
 * answered with its documented error code (docs/protocol.md).
 */
public final class Messages {
  private Messages() {}

  /** The message's {@code channel}, valid. */
  public static ChannelName channel(JsonObject message, Channels channels) {
    if (!(message.get("channel") instanceof JsonString name)) {
      throw invalid("\"channel\" (a string) is required.");
    }
    return channels.parse(name.getString());
  }

  /** The message's {@code idempotencyKey}, or null; {@code INVALID_IDEMPOTENCY_KEY} if malformed. */
  public static String idempotencyKey(JsonObject message, int maxLength) {
    JsonValue key = message.get("idempotencyKey");
    if (key == null || key == JsonValue.NULL) {
      return null;
    }
    if (!(key instanceof JsonString s) || s.getString().isEmpty() || s.getString().length() > maxLength) {
      throw new HeraldException(
          ErrorCode.INVALID_IDEMPOTENCY_KEY,
          "\"idempotencyKey\" must be a string of 1 to " + maxLength + " characters.");
    }
    return s.getString();
  }

  /** The optional subscription token a subscribe or publish may carry. */
  public static String token(JsonObject message) {
    return message.get("token") instanceof JsonString s ? s.getString() : null;
  }

  /** One client message: a JSON object, or {@code INVALID_MESSAGE}. */
  public static JsonObject parse(String text) {
    try (JsonReader reader = JSON.createReader(new StringReader(text))) {
      JsonValue value = reader.readValue();
      if (!(value instanceof JsonObject object)) {
        throw invalid("A message is one JSON object.");
      }
      if (!Unicode.wellFormed(object)) {
        throw invalid("A string in the message is not valid Unicode (a lone surrogate escape).");
      }
      return object;
    } catch (HeraldException e) {
      throw e;
    } catch (RuntimeException e) {
      // JsonException, or, from the JSON-P implementation Payara ships, a plain RuntimeException
      // for input nested more than 1000 deep
      throw invalid("Not well-formed JSON, or nested too deeply.");
    }
  }

  /** Clients may use strings or numbers as ids; the reply carries it back as a string. */
  public static String ref(JsonValue id) {
    if (id instanceof JsonString s) {
      return s.getString();
    }
    if (id instanceof JsonNumber n) {
      return n.toString();
    }
    return null;
  }

  public static HeraldException invalid(String message) {
    return new HeraldException(ErrorCode.INVALID_MESSAGE, message);
  }

  public static JsonObjectBuilder frame(String type, String ref) {
    JsonObjectBuilder frame = JSON.createObjectBuilder().add("type", type);
    return ref == null ? frame : frame.add("ref", ref);
  }

  /** The message's {@code type}, or {@code INVALID_MESSAGE}. */
  public static String type(JsonObject message) {
    if (!(message.get("type") instanceof JsonString type)) {
      throw invalid("\"type\" (a string) is required.");
    }
    return type.getString();
  }
}
