package io.herald.api;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.Map;

/**
 * Whether parsed JSON holds only text that can be sent on. JSON lets a string escape half of a
 * surrogate pair ({@code "\ud800"}), which no UTF-8 encoder will write: a WebSocket frame holding
 * one fails to encode (the socket is wedged), an SSE frame would carry a replacement character.
 * Every way in refuses such input, so nothing accepted can break a delivery (found by the fuzz
 * tests).
 */
public final class Unicode {
  private Unicode() {}

  /** Whether every string and key in {@code value} is well-formed UTF-16 (no lone surrogate). */
  public static boolean wellFormed(JsonValue value) {
    if (value instanceof JsonString s) {
      return wellFormed(s.getString());
    }
    if (value instanceof JsonObject object) {
      for (Map.Entry<String, JsonValue> field : object.entrySet()) {
        if (!wellFormed(field.getKey()) || !wellFormed(field.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (value instanceof JsonArray array) {
      for (JsonValue item : array) {
        if (!wellFormed(item)) {
          return false;
        }
      }
    }
    return true;
  }

  public static boolean wellFormed(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 == text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }
}
