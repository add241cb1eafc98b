package io.herald.presence;

import static io.herald.api.JsonProviders.JSON;

import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

/**
 * Presence replication between instances, carried as the body of presence signals (docs/jms.md,
 * "Presence"). Each instance announces the entries of its own connections, numbered in the order
 * it sends them ({@code seq}), so a receiver that missed one notices and asks for a snapshot.
 *
 * @param op {@code set}, {@code remove}, {@code beat}, {@code sync} (please send your snapshot),
 *     {@code snapshot}, {@code bye}; and, never sent between instances, {@code tick} and
 *     {@code expire}
 * @param instance the sending instance; {@code boot} when it started
 * @param seq the sender's number for this message (set, remove, snapshot), or its latest (beat)
 * @param entries the entry of a {@code set}; a snapshot's part of the sender's entries
 * @param key a {@code remove}'s entry: tenant, channel, connection, user
 * @param to the instance a {@code sync} asks, or null for all
 */
record PresenceMessage(
    String op,
    String instance,
    long boot,
    long seq,
    List<Entry> entries,
    Entry key,
    int part,
    int parts,
    String to) {

  static final String SET = "set";
  static final String REMOVE = "remove";
  static final String BEAT = "beat";
  static final String SYNC = "sync";
  static final String SNAPSHOT = "snapshot";
  static final String BYE = "bye";
  static final String TICK = "tick";
  static final String EXPIRE = "expire";

  static PresenceMessage local(String op) {
    return new PresenceMessage(op, null, 0, 0, List.of(), null, 0, 0, null);
  }

  String json() {
    JsonObjectBuilder b = JSON.createObjectBuilder().add("op", op);
    if (instance != null) {
      b.add("instance", instance).add("boot", boot).add("seq", seq);
    }
    switch (op) {
      case SET -> b.add("entry", entry(entries.get(0)));
      case REMOVE ->
          b.add("tenant", key.tenant())
              .add("channel", key.channel())
              .add("connectionId", key.connectionId())
              .add("userId", key.userId());
      case SNAPSHOT -> {
        JsonArrayBuilder list = JSON.createArrayBuilder();
        entries.forEach(e -> list.add(entry(e)));
        b.add("part", part).add("parts", parts).add("entries", list);
      }
      case SYNC -> {
        if (to != null) {
          b.add("to", to);
        }
      }
      default -> {
        // beat, bye, tick, expire: nothing more
      }
    }
    return b.build().toString();
  }

  private static JsonObjectBuilder entry(Entry e) {
    JsonObjectBuilder b =
        JSON.createObjectBuilder()
            .add("tenant", e.tenant())
            .add("channel", e.channel())
            .add("connectionId", e.connectionId())
            .add("userId", e.userId());
    if (e.name() != null) {
      b.add("name", e.name());
    }
    if (e.avatar() != null) {
      b.add("avatar", e.avatar());
    }
    return b.add("status", e.status().label())
        .add("state", read(e.state()))
        .add("stateAt", e.stateAt())
        .add("since", e.since())
        .add("typing", e.typing());
  }

  /** Reads a message; throws {@link IllegalArgumentException} if it is not one. */
  static PresenceMessage parse(String json) {
    JsonObject m;
    try {
      m = (JsonObject) read(json);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a presence message", e);
    }
    String op = text(m, "op");
    String instance = m.containsKey("instance") ? text(m, "instance") : null;
    long boot = number(m, "boot");
    long seq = number(m, "seq");
    List<Entry> entries = new ArrayList<>();
    Entry key = null;
    switch (op) {
      case SET -> entries.add(entry(m.getJsonObject("entry"), instance, boot));
      case REMOVE ->
          key = new Entry(instance, boot, text(m, "tenant"), text(m, "channel"), text(m, "connectionId"), text(m, "userId"),
              null, null, Status.ONLINE, "{}", 0, 0, false);
      case SNAPSHOT -> m.getJsonArray("entries").forEach(v -> entries.add(entry(v.asJsonObject(), instance, boot)));
      case BEAT, SYNC, BYE, TICK, EXPIRE -> {
        // no more fields
      }
      default -> throw new IllegalArgumentException("unknown presence op " + op);
    }
    String to = m.get("to") instanceof JsonString s ? s.getString() : null;
    return new PresenceMessage(op, instance, boot, seq, entries, key, (int) number(m, "part"), (int) number(m, "parts"), to);
  }

  private static Entry entry(JsonObject e, String origin, long boot) {
    Status status = Status.of(text(e, "status"));
    if (status == null) {
      throw new IllegalArgumentException("bad status");
    }
    return new Entry(
        origin,
        boot,
        text(e, "tenant"),
        text(e, "channel"),
        text(e, "connectionId"),
        text(e, "userId"),
        e.get("name") instanceof JsonString s ? s.getString() : null,
        e.get("avatar") instanceof JsonString s ? s.getString() : null,
        status,
        e.get("state") instanceof JsonObject state ? state.toString() : "{}",
        number(e, "stateAt"),
        number(e, "since"),
        e.getBoolean("typing", false));
  }

  private static String text(JsonObject o, String name) {
    if (!(o.get(name) instanceof JsonString s)) {
      throw new IllegalArgumentException("missing " + name);
    }
    return s.getString();
  }

  private static long number(JsonObject o, String name) {
    return o.get(name) instanceof JsonNumber n ? n.longValue() : 0;
  }

  private static JsonValue read(String json) {
    try (JsonReader reader = JSON.createReader(new StringReader(json))) {
      return reader.readValue();
    }
  }
}
