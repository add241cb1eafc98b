package io.herald.transport.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.history.Replay;
import io.herald.security.Caller;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A held poll answers once, only after its subscription is complete, always with a position. */
class PollWaiterTest {
  private static final Caller ALICE = new Caller("alice", Set.of(), "acme", Instant.MAX, Set.of(), Set.of());
  private static final EventId HEAD = new EventId(1_000, 0, "a");

  private final List<PollWaiter.Answer> answers = new ArrayList<>();
  private final List<Runnable> pool = new ArrayList<>();
  private final PollWaiter waiter = new PollWaiter("w1", ALICE, Set.of("chat.1"), pool::add, 3, answers::add);

  private static Envelope event(int seq) {
    return new Envelope(new EventId(2_000, seq, "a"), "chat.1", "e", null, "p", "acme", Instant.EPOCH);
  }

  private static Replay nothingMissed() {
    return new Replay(List.of(), Set.of(), List.of(), HEAD);
  }

  private void runPool() {
    List<Runnable> tasks = new ArrayList<>(pool);
    pool.clear();
    tasks.forEach(Runnable::run);
  }

  @Test
  void aTimeoutBeforeTheSubscriptionIsCompleteDoesNotAnswerWithoutAPosition() {
    waiter.answer(); // the hold ran out before the registry had subscribed the waiter
    assertTrue(answers.isEmpty());

    waiter.owed(nothingMissed(), HEAD);
    waiter.arm(true);
    runPool();
    assertEquals(1, answers.size());
    assertEquals(HEAD, answers.get(0).position());
    assertTrue(answers.get(0).messages().isEmpty());
  }

  @Test
  void whatIsOwedIsAnsweredOnlyOnceArmedAndThenOnce() {
    Envelope missed = event(1);
    waiter.owed(new Replay(List.of(missed), Set.of(), List.of(), HEAD), HEAD);
    Envelope live = event(2);
    waiter.deliver(live); // arrives while the registry is still subscribing
    assertTrue(pool.isEmpty(), "nothing may answer before the subscription is complete");

    waiter.arm(false);
    waiter.deliver(event(3)); // before the pool runs: goes along in the same answer
    runPool();
    waiter.answer(); // the timeout, later
    waiter.deliver(event(4)); // after the answer: left to the history
    runPool();

    assertEquals(1, answers.size());
    PollWaiter.Answer answer = answers.get(0);
    assertEquals(List.of(missed.json(), live.json(), event(3).json()), answer.messages());
    assertEquals(event(3).id(), answer.position());
    assertEquals(Boolean.TRUE, answer.recovered());
  }

  @Test
  void anArmedWaiterWithNothingOwedWaitsForItsFirstEvent() {
    waiter.owed(nothingMissed(), null);
    waiter.arm(false);
    assertTrue(pool.isEmpty());

    waiter.deliver(event(1));
    runPool();
    assertEquals(List.of(event(1).json()), answers.get(0).messages());
    assertEquals(null, answers.get(0).recovered(), "a new subscription says nothing of recovery");
  }

  @Test
  void anAnswerCarriesAtMostItsBoundAndSaysThereIsMoreFromWhereItEnds() {
    List<Envelope> missed = List.of(event(1), event(2), event(3), event(4), event(5));
    waiter.owed(new Replay(missed, Set.of(), List.of(), HEAD), HEAD);
    waiter.deliver(event(6)); // live, while the answer is already full: left to the history
    waiter.arm(false);
    runPool();

    PollWaiter.Answer answer = answers.get(0);
    assertEquals(List.of(event(1).json(), event(2).json(), event(3).json()), answer.messages());
    assertTrue(answer.more(), "the client polls again at once");
    assertEquals(event(3).id(), answer.position(), "and resumes right after the last event it got");
  }
}
