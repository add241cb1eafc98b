package io.herald.transport.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.history.Replay;
import io.herald.security.Caller;
import io.herald.transport.Owed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A poll answers once, only after its subscription is complete, always with a position; a session
 * keeps what comes between polls, within its bound, and knows when an answer went missing.
 */
class PollSessionTest {
  private static final Caller ALICE = new Caller("alice", Set.of(), "acme", Instant.MAX, Set.of(), Set.of());
  private static final EventId HEAD = new EventId(1_000, 0, "a");
  private static final String PRESENCE = "{\"type\":\"presence\",\"action\":\"join\"}";
  private static final String TYPING = "{\"type\":\"typing\"}";

  private final List<PollSession.Answer> answers = new ArrayList<>();
  private final List<Runnable> pool = new ArrayList<>();
  /** Times nothing: the metric registry is the container's. */
  private static final class Untimed extends io.herald.observability.Traffic {
    @Override
    public void written(io.herald.transport.Transport transport, long acceptedMillis) {}
  }

  private final PollSession single = new PollSession("w1", ALICE, false, Set.of("chat.1"), pool::add, 3, 1024, null, new Untimed());
  private final PollSession kept = new PollSession("s1", ALICE, true, Set.of("chat.1"), pool::add, 3, 5, null, new Untimed());

  private static Envelope event(int seq) {
    return new Envelope(new EventId(2_000, seq, "a"), "chat.1", "e", null, "p", "acme", Instant.EPOCH);
  }

  private static Owed owed(List<Envelope> missed, String... presence) {
    return new Owed(new Replay(missed, Set.of(), List.of(), HEAD), List.of(presence));
  }

  private PollSession.Poll poll(PollSession session) {
    PollSession.Poll poll = new PollSession.Poll(answers::add);
    session.hold(poll, ALICE);
    return poll;
  }

  /** Holds a poll, arms it and runs what it scheduled: one answer if there was anything. */
  private void pollNow(PollSession session) {
    PollSession.Poll poll = poll(session);
    session.arm(poll, false);
    runPool();
  }

  private void runPool() {
    List<Runnable> tasks = new ArrayList<>(pool);
    pool.clear();
    tasks.forEach(Runnable::run);
  }

  @Test
  void aTimeoutBeforeTheSubscriptionIsCompleteDoesNotAnswerWithoutAPosition() {
    PollSession.Poll poll = poll(single);
    single.answer(poll); // the hold ran out before the registry had subscribed the session
    assertTrue(answers.isEmpty());

    single.owed(owed(List.of()), HEAD);
    single.arm(poll, true);
    runPool();
    assertEquals(1, answers.size());
    assertEquals(HEAD, answers.get(0).position());
    assertTrue(answers.get(0).messages().isEmpty());
  }

  @Test
  void whatIsOwedIsAnsweredOnlyOnceArmedAndThenOnce() {
    PollSession.Poll poll = poll(single);
    Envelope missed = event(1);
    single.owed(owed(List.of(missed)), HEAD);
    single.deliver(event(2)); // arrives while the registry is still subscribing
    assertTrue(pool.isEmpty(), "nothing may answer before the subscription is complete");

    single.arm(poll, false);
    single.deliver(event(3)); // before the pool runs: goes along in the same answer
    runPool();
    single.answer(poll); // the timeout, later
    single.deliver(event(4)); // after the answer: left to the history
    runPool();

    assertEquals(1, answers.size());
    PollSession.Answer answer = answers.get(0);
    assertEquals(List.of(missed.json(), event(2).json(), event(3).json()), answer.messages());
    assertEquals(event(3).id(), answer.position());
    assertEquals(Boolean.TRUE, answer.recovered());
    assertTrue(single.isClosed(), "a poll without a session is gone once answered");
  }

  @Test
  void anAnswerCarriesAtMostItsBoundAndSaysThereIsMoreFromWhereItEnds() {
    PollSession.Poll poll = poll(single);
    single.owed(owed(List.of(event(1), event(2), event(3), event(4), event(5))), HEAD);
    single.deliver(event(6)); // live, while the answer is already full: left to the history
    single.arm(poll, false);
    runPool();

    PollSession.Answer answer = answers.get(0);
    assertEquals(List.of(event(1).json(), event(2).json(), event(3).json()), answer.messages());
    assertTrue(answer.more(), "the client polls again at once");
    assertEquals(event(3).id(), answer.position(), "and resumes right after the last event it got");
  }

  @Test
  void aSinglePollCarriesNoPresenceOrTyping() {
    PollSession.Poll poll = poll(single);
    single.owed(owed(List.of()), null);
    single.arm(poll, false);
    single.signal("typing", TYPING);
    assertTrue(pool.isEmpty(), "it is not a member: nothing for it yet");
    assertFalse(single.present());
  }

  @Test
  void aSessionKeepsWhatComesBetweenPollsInOrderWithPresenceAndCountsItsAnswers() {
    kept.owed(owed(List.of(), PRESENCE), null);
    pollNow(kept);
    assertEquals(List.of(PRESENCE), answers.get(0).messages(), "the member list comes first");
    assertEquals(HEAD, answers.get(0).position());
    assertEquals(1, answers.get(0).answers());

    kept.deliver(event(1)); // no poll waiting: kept for the next
    kept.signal("typing", TYPING);
    kept.deliver(event(2));
    assertFalse(kept.needsResync(1));
    pollNow(kept);
    PollSession.Answer answer = answers.get(1);
    assertEquals(List.of(event(1).json(), TYPING, event(2).json()), answer.messages());
    assertEquals(event(2).id(), answer.position());
    assertFalse(answer.more());
    assertEquals(2, answer.answers());
    assertNull(answer.recovered());

    assertTrue(kept.needsResync(1), "a client still at answer 1 lost answer 2");
    assertTrue(kept.lostAnswer(1));
    assertFalse(kept.isClosed(), "a session stays between polls");
    assertTrue(kept.present());
  }

  @Test
  void aFullQueueStopsQueueingAndResyncsFromTheLastAnswerOnceTaken() {
    kept.owed(owed(List.of()), HEAD);
    for (int seq = 1; seq <= 7; seq++) {
      kept.deliver(event(seq)); // the queue holds 5
    }
    pollNow(kept);
    assertEquals(List.of(event(1).json(), event(2).json(), event(3).json()), answers.get(0).messages());
    assertTrue(answers.get(0).more());
    assertFalse(kept.needsResync(1), "what is queued is taken first");

    pollNow(kept);
    assertEquals(List.of(event(4).json(), event(5).json()), answers.get(1).messages());
    assertTrue(answers.get(1).more(), "6 and 7 are in the history");
    assertEquals(event(5).id(), answers.get(1).position());
    assertTrue(kept.needsResync(2));
    assertFalse(kept.lostAnswer(2));
    assertEquals(event(5).id(), kept.answered(), "the resync reads on from here");

    kept.owed(owed(List.of(event(6), event(7))), event(5).id()); // what the registry's resync gives
    assertFalse(kept.needsResync(2));
    pollNow(kept);
    assertEquals(List.of(event(6).json(), event(7).json()), answers.get(2).messages());
    assertFalse(answers.get(2).more());
    assertEquals(Boolean.TRUE, answers.get(2).recovered());
  }

  @Test
  void aReplacedPollIsAnsweredEmptyWithoutTakingAnything() {
    kept.owed(owed(List.of()), HEAD);
    PollSession.Poll gaveUp = poll(kept);
    kept.arm(gaveUp, false);
    PollSession.Poll next = new PollSession.Poll(answers::add);
    kept.dismiss(kept.hold(next, ALICE));
    kept.deliver(event(1));
    kept.arm(next, false);
    runPool();
    kept.answer(gaveUp); // its timeout: nothing more
    assertEquals(2, answers.size());
    assertTrue(answers.get(0).messages().isEmpty());
    assertEquals(0, answers.get(0).answers(), "a dismissal is not counted");
    assertEquals(List.of(event(1).json()), answers.get(1).messages());
    assertEquals(1, answers.get(1).answers());
  }

  @Test
  void aSessionIsIdleOnlyWithoutAPollWaitingAndAfterItsTimeout() {
    kept.owed(owed(List.of()), HEAD);
    PollSession.Poll poll = poll(kept);
    assertFalse(kept.idle(System.nanoTime() + 60_000_000_000L, 1_000_000_000L), "a waiting poll keeps it");
    kept.arm(poll, true);
    runPool();
    assertFalse(kept.idle(System.nanoTime(), 1_000_000_000L));
    assertTrue(kept.idle(System.nanoTime() + 2_000_000_000L, 1_000_000_000L));
  }

  @Test
  void aHoldThatRunsOutBeforeThePollIsArmedIsAnsweredOnceItIs() {
    kept.owed(owed(List.of()), HEAD);
    PollSession.Poll poll = poll(kept);
    kept.answer(poll); // the timer fired before the resource armed the poll
    assertTrue(answers.isEmpty());
    kept.arm(poll, false); // nothing queued, but its time is up
    runPool();
    assertEquals(1, answers.size(), "answered, not left hanging");
    assertTrue(answers.get(0).messages().isEmpty());
  }

  @Test
  void aClosedSessionTakesNoMorePolls() {
    kept.owed(owed(List.of()), HEAD);
    kept.closeNow();
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> poll(kept));
  }

  @Test
  void aResyncLeavesOutWhatTheSessionPublishedWithoutEchoAndStartsWhereTheSessionBegan() {
    Envelope own = new Envelope(new EventId(2_000, 9, "a"), "chat.1", "e", null, "p", "acme", Instant.EPOCH, "s1", null);
    kept.owed(owed(List.of()), null);
    assertEquals(HEAD, kept.startFor(0), "a client without answers resyncs from the start");
    assertNull(kept.startFor(3), "one with answers must say where it is");
    kept.owed(owed(List.of(event(1), own, event(2))), HEAD);
    pollNow(kept);
    assertEquals(List.of(event(1).json(), event(2).json()), answers.get(0).messages());
  }
}
