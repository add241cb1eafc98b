package io.herald.distribution;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.HeraldException;
import io.herald.api.Unicode;
import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.bus.EventNames;
import io.herald.bus.Signal;
import io.herald.channel.Channels;
import jakarta.jms.BytesMessage;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The JMS forms of events (docs/jms.md). Two addresses, two readings:
 *
 * <ul>
 *   <li><b>Producers' messages</b> ({@link #decodeProduced}), from other systems on the ingress
 *       topic: the body is the event's data as JSON and string properties say where it goes
 *       ({@code channel}, {@code event}, {@code tenant}); or a CloudEvents 1.0 structured-mode
 *       body. Only the documented properties are read: whatever else a producer sets (an id, a
 *       signal kind, Herald's own properties) is ignored.
 *   <li><b>Herald's own messages</b> ({@link #encode}, {@link #decodeInternal}), between instances
 *       on the internal topic, which only Herald may send to: the same form plus Herald's
 *       properties ({@code heraldId}, ...) so every instance rebuilds the identical envelope; and
 *       signals.
 * </ul>
 */
final class JmsCodec {
  static final String KIND = "kind";
  static final String CHANNEL = "channel";
  static final String EVENT = "event";
  static final String TENANT = "tenant";
  static final String IDEMPOTENCY_KEY = "idempotencyKey";
  static final String HERALD_ID = "heraldId";
  static final String PUBLISHER = "publisher";
  static final String TIMESTAMP = "heraldTimestamp";
  static final String EXCLUDED = "heraldExcludedConnection";
  static final String CONNECTION = "connectionId";
  static final String BARRIER = "heraldBarrier";
  /** Publisher recorded on events that came from outside Herald without one. */
  static final String EXTERNAL_PUBLISHER = "jms";

  /** A message that cannot become an event: dead-lettered, never retried. */
  static final class Poison extends Exception {
    final String reason;

    Poison(String reason, String detail) {
      super(detail, null, false, false);
      this.reason = reason;
    }
  }

  /** What a message of the internal topic turned out to be. */
  sealed interface Decoded permits Event, Notice, Barrier {}

  record Event(Envelope envelope) implements Decoded {}

  record Notice(Signal signal) implements Decoded {}

  /** An instance's mark behind the backlog of its subscription ({@link CatchUp}); the others skip it. */
  record Barrier(String token) implements Decoded {}

  /** A producer's event, read and checked, waiting for the id the ingress gives it. */
  record Produced(String channel, String event, String dataJson, String tenant, String publisher, String idempotencyKey) {}

  private final Channels channels;
  private final int maxBytes;
  private final String defaultTenant;

  /**
   * @param defaultTenant the tenant of producers' messages that name none
   *     ({@code herald.broker.ingress.default-tenant}), or null to dead-letter them
   */
  JmsCodec(Channels channels, int maxBytes, String defaultTenant) {
    this.channels = channels;
    this.maxBytes = maxBytes;
    this.defaultTenant = defaultTenant;
  }

  TextMessage encode(Session session, Envelope e) throws JMSException {
    return encode(session, e.dataJson(), e.channel(), e.event(), e.tenant(), e.publisher(), e.idempotencyKey(), e.id(), e.timestamp().toEpochMilli(), e.excludedConnection());
  }

  /** Herald's own message for a producer's event, with the id the ingress gave it. */
  TextMessage encode(Session session, Produced p, EventId id) throws JMSException {
    return encode(session, p.dataJson(), p.channel(), p.event(), p.tenant(), p.publisher(), p.idempotencyKey(), id, id.millis(), null);
  }

  private static TextMessage encode(
      Session session,
      String dataJson,
      String channel,
      String event,
      String tenant,
      String publisher,
      String key,
      EventId id,
      long millis,
      String excluded)
      throws JMSException {
    TextMessage m = session.createTextMessage(dataJson);
    m.setStringProperty(CHANNEL, channel);
    m.setStringProperty(EVENT, event);
    if (tenant != null) {
      m.setStringProperty(TENANT, tenant);
    }
    m.setStringProperty(HERALD_ID, id.toString());
    if (publisher != null) {
      m.setStringProperty(PUBLISHER, publisher);
    }
    m.setLongProperty(TIMESTAMP, millis);
    if (excluded != null) {
      m.setStringProperty(EXCLUDED, excluded);
    }
    if (key != null) {
      m.setStringProperty(IDEMPOTENCY_KEY, key);
    }
    return m;
  }

  TextMessage encode(Session session, Signal s) throws JMSException {
    TextMessage m = session.createTextMessage(s.body());
    m.setStringProperty(KIND, s.kind().type());
    if (s.channel() != null) {
      m.setStringProperty(CHANNEL, s.channel());
    }
    if (s.tenant() != null) {
      m.setStringProperty(TENANT, s.tenant());
    }
    if (s.connectionId() != null) {
      m.setStringProperty(CONNECTION, s.connectionId());
    }
    return m;
  }

  TextMessage barrier(Session session, String token) throws JMSException {
    TextMessage m = session.createTextMessage("");
    m.setStringProperty(BARRIER, token);
    return m;
  }

  /** A message of the internal topic: an event with its id, a signal, or an instance's barrier. */
  Decoded decodeInternal(Message m) throws Poison, JMSException {
    String barrier = m.getStringProperty(BARRIER);
    if (barrier != null) {
      return new Barrier(barrier);
    }
    String kind = m.getStringProperty(KIND);
    if (kind != null) {
      Signal.Kind known;
      try {
        known = Signal.Kind.of(kind);
      } catch (IllegalArgumentException e) {
        throw new Poison("unknown_kind", "unknown kind '" + kind + "'");
      }
      return new Notice(
          new Signal(known, m.getStringProperty(TENANT), m.getStringProperty(CHANNEL), m.getStringProperty(CONNECTION), body(m)));
    }
    EventId id = EventId.parse(m.getStringProperty(HERALD_ID));
    if (id == null) {
      throw new Poison("no_id", "a message on the internal topic without a Herald id");
    }
    String body = body(m);
    String channel = m.getStringProperty(CHANNEL);
    String event = m.getStringProperty(EVENT);
    String tenant = m.getStringProperty(TENANT);
    check(channel, event, tenant);
    long millis = m.propertyExists(TIMESTAMP) ? m.getLongProperty(TIMESTAMP) : id.millis();
    return new Event(
        new Envelope(
            id,
            channel,
            event,
            body.isBlank() ? JsonValue.NULL : parse(body),
            m.getStringProperty(PUBLISHER),
            tenant,
            Instant.ofEpochMilli(millis),
            m.getStringProperty(EXCLUDED),
            m.getStringProperty(IDEMPOTENCY_KEY)));
  }

  /**
   * A producer's message: form 1 (JSON body, routing in properties) or form 2 (CloudEvents),
   * checked as the publish API checks an event. Nothing but the documented properties is read.
   */
  Produced decodeProduced(Message m) throws Poison, JMSException {
    String body = body(m);
    String channel = m.getStringProperty(CHANNEL);
    String event = m.getStringProperty(EVENT);
    String tenant = m.getStringProperty(TENANT);
    String key = m.getStringProperty(IDEMPOTENCY_KEY);
    JsonValue data;
    if (channel == null && body.strip().startsWith("{") && parse(body) instanceof JsonObject o && o.containsKey("specversion")) {
      // CloudEvents 1.0, structured mode
      channel = string(o, "subject");
      event = string(o, "type");
      tenant = tenant != null ? tenant : string(o, "tenant");
      if (o.containsKey("data_base64")) {
        throw new Poison("unsupported", "CloudEvents data_base64 is not supported; send JSON data");
      }
      data = o.getOrDefault("data", JsonValue.NULL);
      if (key == null && string(o, "id") != null) {
        // CloudEvents: source + id identify an event, so a producer's resend is a repeat
        key = "ce:" + string(o, "source") + "/" + string(o, "id");
      }
    } else {
      data = body.isBlank() ? JsonValue.NULL : parse(body);
    }
    if (tenant == null) {
      if (defaultTenant == null) {
        throw new Poison("no_tenant", "no tenant property (or CloudEvents tenant), and no herald.broker.ingress.default-tenant");
      }
      tenant = defaultTenant;
    }
    check(channel, event, tenant);
    String publisher = m.getStringProperty(PUBLISHER);
    return new Produced(channel, event, data.toString(), tenant, publisher == null ? EXTERNAL_PUBLISHER : publisher, key);
  }

  /** Where an event goes, checked: channel and event name by the one grammar, a tenant. */
  private void check(String channel, String event, String tenant) throws Poison {
    if (channel == null) {
      throw new Poison("no_channel", "no channel property (or CloudEvents subject)");
    }
    if (event == null) {
      throw new Poison("no_event", "no event property (or CloudEvents type)");
    }
    if (tenant == null || tenant.isBlank()) {
      throw new Poison("no_tenant", "no tenant");
    }
    try {
      channels.parse(channel);
      EventNames.validate(JSON.createValue(event));
    } catch (HeraldException e) {
      throw new Poison(e.code().name().toLowerCase(), e.getMessage());
    }
  }

  private String body(Message m) throws Poison, JMSException {
    if (m instanceof TextMessage text) {
      String body = text.getText() == null ? "" : text.getText();
      if (body.length() > maxBytes / 4 && body.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
        throw new Poison("too_large", "body over " + maxBytes + " bytes");
      }
      return body;
    }
    if (m instanceof BytesMessage bytes) {
      if (bytes.getBodyLength() > maxBytes) {
        throw new Poison("too_large", "body over " + maxBytes + " bytes");
      }
      byte[] raw = new byte[(int) bytes.getBodyLength()];
      bytes.readBytes(raw);
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(raw))
            .toString();
      } catch (CharacterCodingException e) {
        throw new Poison("bad_encoding", "body is not UTF-8");
      }
    }
    throw new Poison("unsupported", "only TextMessage and BytesMessage are accepted");
  }

  private static JsonValue parse(String text) throws Poison {
    JsonValue value;
    try (JsonReader reader = JSON.createReader(new StringReader(text))) {
      value = reader.readValue();
    } catch (RuntimeException e) {
      // JsonException, or a plain RuntimeException for input nested more than 1000 deep
      throw new Poison("bad_json", "body is not JSON, or is nested too deeply");
    }
    if (!Unicode.wellFormed(value)) {
      throw new Poison("bad_encoding", "a string in the body is not valid Unicode (a lone surrogate escape)");
    }
    return value;
  }

  private static String string(JsonObject o, String name) {
    return o.get(name) instanceof JsonString s ? s.getString() : null;
  }
}
