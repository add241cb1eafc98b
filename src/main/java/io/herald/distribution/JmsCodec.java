package io.herald.distribution;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.HeraldException;
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
import jakarta.json.JsonException;
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
 * The JMS form of events and signals (docs/jms.md). Herald writes the same form it reads from
 * other systems' producers: the body is the event's data as JSON, and string properties say
 * where it goes ({@code channel}, {@code event}, {@code tenant}); Herald adds its own properties
 * ({@code heraldId}, ...) so every instance rebuilds the identical envelope. CloudEvents 1.0
 * structured-mode JSON is read too.
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
  static final String USER = "userId";
  static final String STATE = "state";
  static final String CONNECTION = "connectionId";
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

  /** What a received message turned out to be. */
  sealed interface Decoded permits Event, Notice {}

  record Event(Envelope envelope) implements Decoded {}

  record Notice(Signal signal) implements Decoded {}

  private final Channels channels;
  private final int maxBytes;
  private final String defaultTenant;

  /**
   * @param defaultTenant the tenant of messages that name none, or null to refuse them
   */
  JmsCodec(Channels channels, int maxBytes, String defaultTenant) {
    this.channels = channels;
    this.maxBytes = maxBytes;
    this.defaultTenant = defaultTenant;
  }

  TextMessage encode(Session session, Envelope e) throws JMSException {
    TextMessage m = session.createTextMessage(e.dataJson());
    m.setStringProperty(CHANNEL, e.channel());
    m.setStringProperty(EVENT, e.event());
    if (e.tenant() != null) {
      m.setStringProperty(TENANT, e.tenant());
    }
    m.setStringProperty(HERALD_ID, e.id().toString());
    if (e.publisher() != null) {
      m.setStringProperty(PUBLISHER, e.publisher());
    }
    m.setLongProperty(TIMESTAMP, e.timestamp().toEpochMilli());
    if (e.excludedConnection() != null) {
      m.setStringProperty(EXCLUDED, e.excludedConnection());
    }
    if (e.idempotencyKey() != null) {
      m.setStringProperty(IDEMPOTENCY_KEY, e.idempotencyKey());
    }
    return m;
  }

  TextMessage encode(Session session, Signal s) throws JMSException {
    TextMessage m = session.createTextMessage("");
    m.setStringProperty(KIND, s.kind().type());
    m.setStringProperty(CHANNEL, s.channel());
    if (s.tenant() != null) {
      m.setStringProperty(TENANT, s.tenant());
    }
    m.setStringProperty(USER, s.userId());
    m.setStringProperty(STATE, s.state());
    m.setStringProperty(CONNECTION, s.connectionId());
    return m;
  }

  Decoded decode(Message m) throws Poison, JMSException {
    String kind = m.getStringProperty(KIND);
    if (kind != null && !kind.equals("event")) {
      try {
        return new Notice(
            new Signal(
                Signal.Kind.of(kind),
                m.getStringProperty(CHANNEL),
                m.getStringProperty(TENANT),
                m.getStringProperty(USER),
                m.getStringProperty(STATE),
                m.getStringProperty(CONNECTION)));
      } catch (IllegalArgumentException e) {
        throw new Poison("unknown_kind", "unknown kind '" + kind + "'");
      }
    }
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
    if (channel == null) {
      throw new Poison("no_channel", "no channel property (or CloudEvents subject)");
    }
    if (event == null) {
      throw new Poison("no_event", "no event property (or CloudEvents type)");
    }
    if (tenant == null) {
      if (defaultTenant == null) {
        throw new Poison("no_tenant", "no tenant property (or CloudEvents tenant) and no default tenant");
      }
      tenant = defaultTenant;
    }
    try {
      channels.parse(channel);
      EventNames.validate(JSON.createValue(event));
    } catch (HeraldException e) {
      throw new Poison(e.code().name().toLowerCase(), e.getMessage());
    }
    EventId id = EventId.parse(m.getStringProperty(HERALD_ID));
    long millis = m.propertyExists(TIMESTAMP) ? m.getLongProperty(TIMESTAMP) : m.getJMSTimestamp();
    if (id == null) {
      // From another system: every instance must derive the same id from the same message.
      id = new EventId(m.getJMSTimestamp(), 0, "j" + Integer.toHexString(String.valueOf(m.getJMSMessageID()).hashCode()));
    }
    String publisher = m.getStringProperty(PUBLISHER);
    return new Event(
        new Envelope(
            id,
            channel,
            event,
            data,
            publisher == null ? EXTERNAL_PUBLISHER : publisher,
            tenant,
            Instant.ofEpochMilli(millis),
            m.getStringProperty(EXCLUDED),
            key));
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
    try (JsonReader reader = JSON.createReader(new StringReader(text))) {
      return reader.readValue();
    } catch (JsonException | IllegalStateException e) {
      throw new Poison("bad_json", "body is not JSON");
    }
  }

  private static String string(JsonObject o, String name) {
    return o.get(name) instanceof JsonString s ? s.getString() : null;
  }
}
