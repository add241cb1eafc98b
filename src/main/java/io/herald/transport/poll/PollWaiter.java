package io.herald.transport.poll;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.bus.Signal;
import io.herald.history.Replay;
import io.herald.security.Caller;
import io.herald.transport.Connection;
import io.herald.transport.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One held poll, registered like any connection while it waits. It answers with what it is owed
 * at once if there is anything, else with the first live events, batched: the answer is written
 * from a pool thread, and whatever arrives until then goes along. Events arriving after the answer
 * is sealed are in the history, where the next poll (from the answer's position) finds them.
 *
 * <p>A waiter answers only once it is {@link #arm armed}, after its subscription is complete: an
 * answer sealed earlier would have no position yet, and would close the waiter before the
 * registry had finished adding it to its channels, leaving it there for good.
 */
final class PollWaiter implements Connection {
  /**
   * What a poll answers with.
   *
   * @param more whether there is more after {@code position} already (the answer was full)
   */
  record Answer(List<String> messages, EventId position, Boolean recovered, boolean more) {}

  private final String id;
  private final Caller caller;
  private final Set<String> channels;
  private final Executor executor;
  private final Consumer<Answer> onAnswer;
  /** The most one answer carries; beyond it the answer says "more" and the next poll takes the rest. */
  private final int maxEvents;
  private final List<String> messages = new ArrayList<>();
  private boolean more;
  private EventId position;
  private Boolean recovered;
  private boolean armed;
  private boolean scheduled;
  private boolean sealed;

  PollWaiter(String id, Caller caller, Set<String> channels, Executor executor, int maxEvents, Consumer<Answer> onAnswer) {
    this.maxEvents = maxEvents;
    this.id = id;
    this.caller = caller;
    this.channels = Set.copyOf(channels);
    this.executor = executor;
    this.onAnswer = onAnswer;
  }

  /**
   * Takes what the subscription is owed, ahead of any live event: at most {@code maxEvents} of the
   * missed events, in topic order, so that the position after the last one taken resumes the rest.
   */
  synchronized void owed(Replay replay, EventId since) {
    if (since != null) {
      recovered = replay.recovered();
    }
    List<String> frames = replay.frames(since);
    int notEvents = frames.size() - replay.events().size(); // gap notices and latest values: few
    // at least one event, so that the position moves on
    int take = Math.min(replay.events().size(), Math.max(1, maxEvents - notEvents));
    messages.addAll(frames.subList(0, notEvents + take));
    more = take < replay.events().size();
    position = more ? replay.events().get(take - 1).id() : replay.positionAfter();
  }

  /**
   * Lets the waiter answer, now that it is subscribed: at once if it holds anything or
   * {@code answerNow}, else on its first live event or when {@link #answer} is called on timeout.
   */
  synchronized void arm(boolean answerNow) {
    armed = true;
    if (answerNow || !messages.isEmpty()) {
      schedule();
    }
  }

  @Override
  public synchronized void deliver(Envelope envelope) {
    if (sealed || more) {
      return; // in the history: the next poll, from this answer's position, takes it
    }
    if (messages.size() >= maxEvents) {
      more = true;
      return;
    }
    messages.add(envelope.json());
    position = envelope.id();
    schedule();
  }

  private void schedule() {
    if (armed && !scheduled) {
      scheduled = true;
      executor.execute(this::answer);
    }
  }

  /** Seals and sends the answer, once: on the first events, or when the hold times out. */
  void answer() {
    Answer answer;
    synchronized (this) {
      if (sealed || !armed) {
        return;
      }
      sealed = true;
      answer = new Answer(List.copyOf(messages), position, recovered, more);
    }
    onAnswer.accept(answer);
  }

  @Override
  public void signal(Signal signal) {
    // typing is for live connections; a poll would only carry stale ones
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String userId() {
    return caller.subject();
  }

  @Override
  public String tenant() {
    return caller.tenant();
  }

  @Override
  public Transport transport() {
    return Transport.POLL;
  }

  @Override
  public Set<String> channels() {
    return channels;
  }
}
