package io.herald.bus;

import jakarta.json.JsonValue;

/** An event before the bus gives it an id and a time. */
public record Draft(String channel, String event, JsonValue data, String publisher, String tenant) {}
