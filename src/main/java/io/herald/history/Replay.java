package io.herald.history;

import static io.herald.api.JsonProviders.JSON;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a subscriber gets before it goes live: what it missed (in order), the channels it cannot
 * be given everything for (gaps), and the latest event of channels that keep one.
 *
 * @param events missed events in the order the topic delivered them, oldest first
 * @param gaps channels whose missed events are no longer all kept: the subscriber must reload
 * @param lastValues the latest event of each channel that keeps one and is owed it (new
 *     subscribers, and gap channels), oldest first
 * @param position where the subscriber stands once it has all of the above, if no event follows
 */
public record Replay(List<Envelope> events, Set<String> gaps, List<Envelope> lastValues, EventId position) {

  /** The frame that tells a subscriber a channel's events after {@code since} are gone. */
  public static String gap(String channel, EventId since) {
    return JSON.createObjectBuilder()
        .add("type", "gap")
        .add("channel", channel)
        .add("since", since.toString())
        .build()
        .toString();
  }

  /**
   * What is owed as JSON frames, in the order they are sent: a gap notice per gap channel, the
   * latest values, the missed events. This is the WebSocket form, which long-polling shares.
   *
   * @param since the position resumed from; null for a new subscription (which has no gaps)
   */
  public List<String> frames(EventId since) {
    List<String> frames = new ArrayList<>(gaps.size() + lastValues.size() + events.size());
    gaps.forEach(channel -> frames.add(gap(channel, since)));
    lastValues.forEach(e -> frames.add(e.json()));
    events.forEach(e -> frames.add(e.json()));
    return frames;
  }

  /**
   * Where the subscriber stands once it has all of this: its last missed event, else
   * {@link #position} (latest values are older than that, so they never move it).
   */
  public EventId positionAfter() {
    return events.isEmpty() ? position : events.get(events.size() - 1).id();
  }

  /** Whether everything missed is in {@link #events}. */
  public boolean recovered() {
    return gaps.isEmpty();
  }
}
