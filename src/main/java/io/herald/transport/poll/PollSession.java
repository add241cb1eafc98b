package io.herald.transport.poll;

import io.herald.observability.Traffic;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.history.Replay;
import io.herald.security.Caller;
import io.herald.transport.Connection;
import io.herald.transport.MessageRates;
import io.herald.transport.Owed;
import io.herald.transport.Transport;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * A long-poll client as the registry sees it: a connection whose frames wait in a bounded queue
 * until a poll takes them. A <em>kept</em> session stays between polls (it is a member of its
 * channels' presence, gets typing and presence frames, and may send messages over the HTTP route);
 * without a session, a poll is a session of one poll, gone once answered.
 *
 * <p>Events are also in the history, so the queue is a convenience, never the only copy: when it
 * is full the session stops queueing ({@code behind}) and, once what it holds is taken, starts
 * again from the position of its last answer, by a resync from the history, which also gives it a
 * fresh member list in place of the presence frames it let go.
 *
 * <p>Answers are counted. A client sends back the count of the last answer it got; a count that is
 * not the session's means an answer was lost on the way (a cut connection), and the session
 * resyncs from the client's own position, so the lost answer costs nothing.
 *
 * <p>A poll answers only once it is {@link #arm armed}, after the session's subscription or resync
 * is complete: an answer sealed earlier would have no position yet.
 */
final class PollSession implements Connection {
  /**
   * What a poll answers with.
   *
   * @param more whether there is more after {@code position} already: poll again at once
   * @param answers the session's count of answers, this one included (kept sessions only)
   */
  record Answer(List<String> messages, EventId position, Boolean recovered, boolean more, long answers) {}

  /** One waiting request; answered once. */
  static final class Poll {
    private final Consumer<Answer> onAnswer;
    private boolean armed;
    private boolean scheduled;
    /** Its hold ran out before it was armed: it answers as soon as it is. */
    private boolean expired;

    Poll(Consumer<Answer> onAnswer) {
      this.onAnswer = onAnswer;
    }
  }

  /** A queued frame; {@code id} is the event's, null for gaps, latest values, presence, typing. */
  /** {@code accepted}: a live event's accept time (epoch millis), for the delivery latency; else 0. */
  private record Frame(String json, EventId id, long accepted) {
    Frame(String json, EventId id) {
      this(json, id, 0);
    }
  }

  private final String id;
  private final boolean kept;
  private final Set<String> channels;
  private final Executor executor;
  private final int maxEvents;
  private final int queueSize;
  private final MessageRates rates;
  private final Traffic traffic;
  /** Disconnected: only the disconnected frame is left to answer with. */
  private boolean ending;
  private final Deque<Frame> queue = new ArrayDeque<>();
  private volatile Caller caller;
  /** Where the client stands after everything queued, and after its last answer. */
  private EventId head;
  private EventId answered;
  /** Where the session started: a client that lost its first answer has no position of its own. */
  private EventId first;
  private boolean behind;
  private Boolean recovered;
  private long answers;
  private Poll held;
  private long idleSince = System.nanoTime();
  private volatile boolean closed;

  PollSession(
      String id,
      Caller caller,
      boolean kept,
      Set<String> channels,
      Executor executor,
      int maxEvents,
      int queueSize,
      MessageRates rates,
      Traffic traffic) {
    this.traffic = traffic;
    this.id = id;
    this.caller = caller;
    this.kept = kept;
    this.channels = Set.copyOf(channels);
    this.executor = executor;
    this.maxEvents = maxEvents;
    this.queueSize = kept ? queueSize : maxEvents;
    this.rates = rates;
  }

  /**
   * Takes what a subscription or resync is owed, in place of anything queued: gap notices and
   * latest values, then as many missed events as the queue holds (at least one, so that the
   * position moves on; the rest is read from the history later), then the member lists.
   */
  synchronized void owed(Owed owed, EventId since) {
    if (ending) {
      return; // disconnected: its one frame stays the answer, whatever a resync would owe
    }
    Replay replay = withoutOwn(owed.replay());
    queue.clear();
    recovered = since == null ? null : replay.recovered();
    List<String> frames = replay.frames(since);
    int notEvents = frames.size() - replay.events().size();
    frames.subList(0, notEvents).forEach(json -> queue.add(new Frame(json, null)));
    int take = Math.min(replay.events().size(), Math.max(1, queueSize - notEvents - owed.presence().size()));
    replay.events().subList(0, take).forEach(e -> queue.add(new Frame(e.json(), e.id())));
    owed.presence().forEach(json -> queue.add(new Frame(json, null)));
    behind = take < replay.events().size();
    head = behind ? replay.events().get(take - 1).id() : replay.positionAfter();
    answered = since == null ? replay.position() : since;
    if (first == null) {
      first = answered;
    }
  }

  /**
   * Where a resync for a client that lost an answer and sent no position starts: where the session
   * began if the client never got an answer, else null (a client with answers sends its position).
   */
  synchronized EventId startFor(long clientAnswers) {
    return clientAnswers == 0 ? first : null;
  }

  /** The replay without the events this session published asking not to get them back. */
  private Replay withoutOwn(Replay replay) {
    if (replay.events().stream().noneMatch(e -> id.equals(e.excludedConnection()))) {
      return replay;
    }
    List<Envelope> events = replay.events().stream().filter(e -> !id.equals(e.excludedConnection())).toList();
    return new Replay(events, replay.gaps(), replay.lastValues(), replay.position());
  }

  /**
   * Makes {@code poll} the one waiting, unarmed yet; the one it replaces is returned, to be
   * answered empty (a client polls once at a time; the other request is one it gave up on).
   *
   * @throws IllegalStateException if the session closed meanwhile: the poll starts a new one
   */
  synchronized Poll hold(Poll poll, Caller caller) {
    if (closed) {
      throw new IllegalStateException("session closed");
    }
    this.caller = caller;
    Poll replaced = held;
    held = poll;
    return replaced;
  }

  /** Lets go of {@code poll} if it is the one waiting: a poll that failed before it was armed. */
  synchronized void release(Poll poll) {
    if (held == poll) {
      held = null;
      idleSince = System.nanoTime();
    }
  }

  /**
   * Whether this poll must resync before it is answered: the client's count of answers is not
   * this session's (it lost an answer), or the queue let frames go and has nothing left before them.
   */
  synchronized boolean needsResync(long clientAnswers) {
    return clientAnswers != answers || (behind && queue.isEmpty());
  }

  /** Whether the client missed an answer: its count is not the session's. */
  synchronized boolean lostAnswer(long clientAnswers) {
    return clientAnswers != answers;
  }

  /** Where a resync that is not the client's own starts: after the last answer. */
  synchronized EventId answered() {
    return answered;
  }

  /**
   * Lets the held poll answer: at once if anything is queued or {@code answerNow}, else on the
   * first frame or when {@link #answer} is called on timeout.
   */
  synchronized void arm(Poll poll, boolean answerNow) {
    if (held != poll) {
      return;
    }
    poll.armed = true;
    if (answerNow || poll.expired || !queue.isEmpty() || behind) {
      schedule(poll);
    }
  }

  @Override
  public synchronized int queued() {
    return queue.size();
  }

  @Override
  public synchronized void deliver(Envelope envelope) {
    if (queue(envelope.json(), envelope.id(), envelope.timestamp().toEpochMilli())) {
      head = envelope.id();
    }
  }

  @Override
  public synchronized void signal(String type, String json) {
    if (kept) {
      queue(json, null, 0); // a single poll carries no presence or typing: it is not a member
    }
  }

  /**
   * Ends the session with a {@code disconnected} frame as its last message: the poll held now, or the next one,
   * gets it, and the session is closed after that answer (an unread one is swept as idle).
   */
  @Override
  public synchronized void disconnect(String reason) {
    String json = Connection.disconnected(reason);
    if (closed || ending) {
      return;
    }
    queue.clear(); // in the history, for a client that is let back in from its last position
    queue.add(new Frame(json, null));
    head = answered; // the answer's position stays where the client is: nothing cleared is skipped
    ending = true;
    behind = false;
    if (held != null) {
      schedule(held);
    }
  }

  private boolean queue(String json, EventId eventId, long accepted) {
    if (closed || behind || ending) {
      return false; // in the history: the resync after the queue is taken reads it from there
    }
    if (queue.size() >= queueSize) {
      behind = true;
      return false;
    }
    queue.add(new Frame(json, eventId, accepted));
    if (held != null) {
      schedule(held);
    }
    return true;
  }

  private void schedule(Poll poll) {
    if (poll.armed && !poll.scheduled) {
      poll.scheduled = true;
      // from a pool thread, so that whatever else arrives until then goes along in one answer
      executor.execute(() -> answer(poll));
    }
  }

  /** Seals and sends {@code poll}'s answer, once: with what is queued, or empty on timeout. */
  void answer(Poll poll) {
    Answer answer;
    synchronized (this) {
      if (held != poll) {
        return;
      }
      if (!poll.armed) {
        poll.expired = true; // no position yet: answered once armed
        return;
      }
      held = null;
      idleSince = System.nanoTime();
      List<String> messages = new ArrayList<>(Math.min(queue.size(), maxEvents));
      EventId position = answered;
      while (messages.size() < maxEvents && !queue.isEmpty()) {
        Frame frame = queue.poll();
        messages.add(frame.json());
        if (frame.accepted() != 0) {
          traffic.written(Transport.POLL, frame.accepted()); // as good as written: the answer is sealed
        }
        if (frame.id() != null) {
          position = frame.id();
        }
      }
      boolean more = !queue.isEmpty() || behind;
      if (!more) {
        position = head;
      }
      answered = position;
      answers++;
      answer = new Answer(messages, position, recovered, more, answers);
      recovered = null; // said once, in the first answer after a subscription or resync
      if (!kept || (ending && queue.isEmpty())) {
        closed = true; // the rest is in the history, for the next poll from this position
      }
    }
    poll.onAnswer.accept(answer);
  }

  /**
   * Answers a replaced poll empty, without taking anything or counting it: its client no longer
   * waits for it, and if it does read it, it polls on from where it was.
   */
  void dismiss(Poll poll) {
    Answer empty;
    synchronized (this) {
      empty = new Answer(List.of(), answered, null, false, answers);
    }
    poll.onAnswer.accept(empty);
  }

  /** Whether no poll has come for {@code timeoutNanos}. */
  synchronized boolean idle(long now, long timeoutNanos) {
    return held == null && now - idleSince > timeoutNanos;
  }

  synchronized Poll closeNow() {
    closed = true;
    Poll waiting = held;
    held = null;
    return waiting;
  }

  boolean kept() {
    return kept;
  }

  @Override
  public boolean present() {
    return kept;
  }

  @Override
  public Caller caller() {
    return caller;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public MessageRates rates() {
    return rates;
  }

  @Override
  public String id() {
    return id;
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
