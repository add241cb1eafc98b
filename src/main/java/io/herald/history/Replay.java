package io.herald.history;

import static io.herald.api.JsonProviders.JSON;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

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

  /**
   * This replay within {@code room} frames (as {@link #frames} counts them): the channels whose
   * missed events would not fit are turned into gaps, the largest first, and get the last values
   * {@code lastValuesOf} gives for them. A client that cannot be sent everything it missed at
   * once is told to reload those channels, rather than given an unbounded queue. Returns null
   * when not even the gaps fit.
   */
  public Replay fit(int room, EventId since, Function<Set<String>, List<Envelope>> lastValuesOf) {
    if (frameCount() <= room) {
      return this;
    }
    Map<String, Integer> perChannel = new HashMap<>();
    events.forEach(e -> perChannel.merge(e.channel(), 1, Integer::sum));
    List<String> largestFirst = new ArrayList<>(perChannel.keySet());
    largestFirst.sort(Comparator.comparing(perChannel::get).reversed());
    Set<String> cut = new LinkedHashSet<>();
    Replay fitted = this;
    for (String channel : largestFirst) {
      cut.add(channel);
      Set<String> allGaps = new LinkedHashSet<>(gaps);
      allGaps.addAll(cut);
      List<Envelope> kept = events.stream().filter(e -> !cut.contains(e.channel())).toList();
      List<Envelope> values = new ArrayList<>(lastValues);
      lastValuesOf.apply(cut).stream().filter(v -> !values.contains(v)).forEach(values::add);
      fitted = new Replay(kept, allGaps, values, position);
      if (fitted.frameCount() <= room) {
        return fitted;
      }
    }
    return fitted.frameCount() <= room ? fitted : null;
  }

  /** How many frames {@link #frames} makes. */
  public int frameCount() {
    return gaps.size() + lastValues.size() + events.size();
  }

  /** Whether everything missed is in {@link #events}. */
  public boolean recovered() {
    return gaps.isEmpty();
  }
}
