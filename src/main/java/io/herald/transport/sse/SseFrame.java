package io.herald.transport.sse;

import io.herald.bus.Envelope;
import java.nio.charset.StandardCharsets;

/**
 * One SSE frame, encoded once to the bytes that go on the wire. The frames of an event are the
 * same bytes for every stream that gets it, so a fan-out encodes each event once, not once per
 * stream.
 */
final class SseFrame {
  /**
   * The one event last encoded: a fan-out hands the same envelope to every stream in turn. Only the
   * form with the id is kept; the other (latest values for a new subscriber) is rare.
   */
  private record Encoded(Envelope envelope, String body, SseFrame withId) {}

  private static volatile Encoded last;

  private final byte[] bytes;
  /** A live event's accept time (epoch millis), for the delivery latency; 0 for any other frame. */
  private final long accepted;

  private SseFrame(String text) {
    this.bytes = text.getBytes(StandardCharsets.UTF_8);
    this.accepted = 0;
  }

  private SseFrame(String text, Envelope live) {
    this.bytes = text.getBytes(StandardCharsets.UTF_8);
    this.accepted = live.timestamp().toEpochMilli();
  }

  long accepted() {
    return accepted;
  }

  private String text() {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  byte[] bytes() {
    return bytes;
  }

  /**
   * A live event's frame, with its position: the SSE id is the event id, which the browser sends
   * back as Last-Event-ID. Encoded once per event for every stream of the fan-out, and timed: its
   * write counts as a delivery of that age.
   */
  static SseFrame live(Envelope envelope) {
    Encoded cached = last;
    if (cached == null || cached.envelope != envelope) {
      String body = event(envelope.event(), envelope.json());
      cached = new Encoded(envelope, body, new SseFrame("id: " + envelope.id() + "\n" + body, envelope));
      last = cached;
    }
    return cached.withId;
  }

  /**
   * An event's frame for a replay (with its position) or as a latest value (without: it is older
   * than where the stream stands). Not timed: a replayed event is as old as the client's absence.
   */
  static SseFrame of(Envelope envelope, boolean withPosition) {
    String body = event(envelope.event(), envelope.json());
    return new SseFrame(withPosition ? "id: " + envelope.id() + "\n" + body : body);
  }

  /** {@code frame} with a {@code retry:} line: how long an EventSource waits before it reconnects. */
  static SseFrame withRetry(long millis, SseFrame frame) {
    return new SseFrame("retry: " + millis + "\n" + new String(frame.bytes, StandardCharsets.UTF_8));
  }

  /** A named event without an id; {@code data} is one line of JSON. */
  static SseFrame named(String name, String data) {
    return new SseFrame(event(name, data));
  }

  /**
   * An unnamed event (EventSource's {@code message}), for streams opened with
   * {@code format=messages}: {@code data} is the WebSocket-form frame, which names its own type.
   */
  static SseFrame message(String data) {
    return new SseFrame("data: " + data.replace("\n", "\ndata: ") + "\n\n");
  }

  /** The unnamed form of the one event last encoded, cached apart: streams of both forms share a fan-out. */
  private static volatile Encoded lastMessage;

  /** A live event's unnamed frame, with its position; encoded once per event, and timed. */
  static SseFrame liveMessage(Envelope envelope) {
    Encoded cached = lastMessage;
    if (cached == null || cached.envelope != envelope) {
      String body = message(envelope.json()).text();
      cached = new Encoded(envelope, body, new SseFrame("id: " + envelope.id() + "\n" + body, envelope));
      lastMessage = cached;
    }
    return cached.withId;
  }

  /** An event's unnamed frame for a replay or as a latest value; not timed. */
  static SseFrame messageOf(Envelope envelope, boolean withPosition) {
    String body = message(envelope.json()).text();
    return new SseFrame(withPosition ? "id: " + envelope.id() + "\n" + body : body);
  }

  /** A comment line: ignored by EventSource, keeps proxies and the cleanup clock going. */
  static SseFrame comment(String text) {
    return new SseFrame(": " + text + "\n\n");
  }

  private static String event(String name, String data) {
    // JSON as Herald writes it never holds a raw line break; one would end the data field early
    return "event: " + name + "\ndata: " + data.replace("\n", "\ndata: ") + "\n\n";
  }
}
