package io.herald.bus;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.Set;
import java.util.regex.Pattern;

/** The rule for event names, the same for every way in (HTTP, WebSocket, JMS). */
public final class EventNames {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}");

  /** Names Herald's own frames use; an application event may not take them. */
  public static final Set<String> RESERVED =
      Set.of("connected", "gap", "token_expired", "heartbeat", "typing", "unsubscribed", "reconnect", "disconnected");

  private EventNames() {}

  /** The validated name, or {@code INVALID_EVENT} saying what is wrong. */
  public static String validate(JsonValue value) {
    if (!(value instanceof JsonString string)) {
      throw new HeraldException(ErrorCode.INVALID_EVENT, "\"event\" (a string) is required.");
    }
    String name = string.getString();
    if (!NAME.matcher(name).matches()) {
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
