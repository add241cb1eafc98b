package io.herald.bus;

import static io.herald.api.JsonProviders.JSON;


/**
 * An ephemeral notice about a channel's members (typing now; presence later): relayed to the
 * channel's other subscribers, never stored, never replayed. Serialized once, like an envelope.
 *
 * @param connectionId the connection it came from, which does not receive it back
 */
public record Signal(
    Kind kind, String channel, String tenant, String userId, String state, String connectionId) {

  /** What a signal is about; its name is the {@code type} of the frame clients get. */
  public enum Kind {
    TYPING("typing");

    private final String type;

    Kind(String type) {
      this.type = type;
    }

    public String type() {
      return type;
    }

    public static Kind of(String type) {
      for (Kind k : values()) {
        if (k.type.equals(type)) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown signal kind " + type);
    }
  }

  /** The client frame, {@code {"type":"typing","channel":..,"userId":..,"state":..}}. */
  public String json() {
    return JSON.createObjectBuilder()
        .add("type", kind.type())
        .add("channel", channel)
        .add("userId", userId)
        .add("state", state)
        .build()
        .toString();
  }
}
