package io.herald.transport;

import io.herald.history.Replay;
import java.util.List;

/**
 * What a new subscription gets before anything live, in this order: the replay (gap notices,
 * latest values, missed events), then the presence snapshot of each channel that keeps a member
 * list (the list as it is now, which the live joins and leaves then change).
 */
public record Owed(Replay replay, List<String> presence) {

  /** Everything as JSON frames, in order: the WebSocket form, which long-polling shares. */
  public List<String> frames(io.herald.bus.EventId since) {
    List<String> frames = new java.util.ArrayList<>(replay.frames(since));
    frames.addAll(presence);
    return frames;
  }
}
