package io.herald.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.channel.Retention;
import jakarta.json.Json;
import io.herald.testing.ManualClock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HistoryLogTest {
  static final long TOLERANCE = 2_000;
  final ManualClock clock = new ManualClock(1_700_000_000_000L);
  int seq;

  /** jobs: 5 events, 10 s, last value kept 60 s; chat: 100 events, 10 s; off: no history. */
  HistoryLog log(int maxEvents) {
    return log(maxEvents, 1000);
  }

  HistoryLog log(int maxEvents, int maxLastValues) {
    return new HistoryLog(
        clock,
        channel ->
            switch (channel.substring(0, channel.indexOf('.'))) {
              case "jobs" -> new Retention(5, 10_000, true, 60_000);
              case "off" -> new Retention(0, 10_000, false, 0);
              default -> new Retention(100, 10_000, false, 0);
            },
        maxEvents,
        maxLastValues,
        TOLERANCE);
  }

  Envelope event(String channel) {
    return event("acme", channel);
  }

  Envelope event(String tenant, String channel) {
    EventId id = new EventId(clock.millis(), seq++, "a");
    return new Envelope(id, channel, "e", Json.createValue(seq), "p", tenant, Instant.ofEpochMilli(clock.millis()));
  }

  static List<String> ids(List<Envelope> events) {
    return events.stream().map(e -> e.id().toString()).toList();
  }

  @Test
  void theTextOfTheKeptEventsIsCountedInAndOut() {
    HistoryLog log = log(1000);
    List<Envelope> kept = new java.util.ArrayList<>();
    for (int i = 0; i < 7; i++) {
      Envelope e = event("jobs.1"); // jobs keeps the last 5
      kept.add(e);
      log.append(e);
    }
    log.append(event("off.1")); // kept by no history: not counted
    long expected = kept.subList(2, 7).stream().mapToLong(e -> e.json().length() + e.dataJson().length()).sum();
    assertEquals(expected, log.chars());
    clock.advance(11_000);
    log.sweep();
    assertEquals(0, log.chars(), "all aged out");
  }

  @Test
  void resumesEveryChannelOfAStreamFromOneIdInTopicOrder() {
    HistoryLog log = log(1000);
    Envelope seen = event("chat.1");
    log.append(seen);
    Envelope a = event("chat.2");
    Envelope b = event("chat.1");
    Envelope other = event("chat.3");
    Envelope c = event("chat.2");
    List.of(a, b, other, c).forEach(log::append);

    Replay replay = log.after("acme", List.of("chat.1", "chat.2"), seen.id());

    assertTrue(replay.recovered());
    assertEquals(ids(List.of(a, b, c)), ids(replay.events()));
    assertEquals(c.id(), replay.position(), "the position is the tenant's newest event");
  }

  @Test
  void followsTopicOrderEvenWhereIdsDisagree() {
    HistoryLog log = log(1000);
    Envelope late = new Envelope(new EventId(clock.millis() + 5, 0, "b"), "chat.1", "e", null, "p", "acme", Instant.now());
    Envelope early = new Envelope(new EventId(clock.millis(), 0, "c"), "chat.1", "e", null, "p", "acme", Instant.now());
    Envelope after = event("chat.1");
    log.append(late);
    log.append(early); // arrives second with the smaller id: still after 'late' for everyone
    log.append(after);

    assertEquals(ids(List.of(early, after)), ids(log.after("acme", List.of("chat.1"), late.id()).events()));
  }

  @Test
  void aChannelThatDroppedEventsAfterThePositionHasAGapOthersDoNot() {
    HistoryLog log = log(1000);
    Envelope seen = event("chat.1");
    log.append(seen);
    for (int i = 0; i < 7; i++) {
      log.append(event("jobs.1")); // jobs keep 5: two are dropped
    }
    Envelope chat = event("chat.1");
    log.append(chat);

    Replay replay = log.after("acme", List.of("chat.1", "jobs.1"), seen.id());

    assertFalse(replay.recovered());
    assertEquals(Set.of("jobs.1"), replay.gaps());
    assertEquals(ids(List.of(chat)), ids(replay.events()));
    assertEquals(1, replay.lastValues().size(), "the gap channel's latest value comes along");
  }

  @Test
  void agedOutHistoryIsAGapButTheLastValueOutlivesIt() {
    HistoryLog log = log(1000);
    Envelope first = event("jobs.7");
    Envelope state = event("jobs.7");
    log.append(first);
    log.append(state);
    clock.advance(11_000);
    log.sweep();

    Replay resumed = log.after("acme", List.of("jobs.7"), first.id());
    assertFalse(resumed.recovered());
    assertEquals(ids(List.of(state)), ids(resumed.lastValues()));
    assertEquals(ids(List.of(state)), ids(log.fresh("acme", List.of("jobs.7")).lastValues()));

    clock.advance(60_000);
    log.sweep();
    assertTrue(log.fresh("acme", List.of("jobs.7")).lastValues().isEmpty(), "the last value has its own TTL");
  }

  @Test
  void aPositionFromBeforeThisInstanceStartedIsAGap() {
    HistoryLog log = log(1000);
    EventId before = new EventId(clock.millis() - 1, 0, "x");
    log.append(event("chat.1"));

    assertFalse(log.after("acme", List.of("chat.1"), before).recovered());
  }

  @Test
  void theHeadOfAnEmptyLogIsAMomentThatResumesByTime() {
    HistoryLog log = log(1000);
    EventId now = log.head("acme");
    assertTrue(now.origin().startsWith(HistoryLog.MOMENT), now.toString());
    clock.advance(1);
    Envelope next = event("chat.1");
    log.append(next);

    Replay replay = log.after("acme", List.of("chat.1"), now);
    assertTrue(replay.recovered());
    assertEquals(ids(List.of(next)), ids(replay.events()));
    assertEquals(next.id(), log.head("acme"));
  }

  @Test
  void aChannelWithoutHistoryHasAGapOnlyIfSomethingWasPublished() {
    HistoryLog log = log(1000);
    Envelope seen = event("chat.1");
    log.append(seen);
    assertTrue(log.after("acme", List.of("off.1"), seen.id()).recovered());
    log.append(event("off.1"));
    assertFalse(log.after("acme", List.of("off.1"), seen.id()).recovered());
  }

  @Test
  void aForgottenChannelStillCountsAsAGapForPositionsComparedByTime() {
    HistoryLog log = log(1000);
    EventId moment = log.head("acme");
    clock.advance(1);
    log.append(event("chat.9"));
    clock.advance(11_000);
    log.sweep(); // chat.9 aged out and its log is forgotten

    assertFalse(log.after("acme", List.of("chat.9"), moment).recovered());
  }

  @Test
  void tenantsAreApart() {
    HistoryLog log = log(1000);
    Envelope seen = event("acme", "chat.1");
    log.append(seen);
    log.append(event("globex", "chat.1"));
    assertTrue(log.after("acme", List.of("chat.1"), seen.id()).events().isEmpty());
  }

  @Test
  void theInstanceWideCapDropsTheOldest() {
    HistoryLog log = log(3);
    Envelope oldest = event("chat.1");
    log.append(oldest);
    for (int i = 0; i < 3; i++) {
      log.append(event("chat.1"));
    }
    assertEquals(3, log.size());
    assertEquals(3, log.latest("acme", "chat.1", 10).size());
    // only the event at the position itself was dropped: nothing after it is missing
    Replay replay = log.after("acme", List.of("chat.1"), oldest.id());
    assertTrue(replay.recovered());
    assertEquals(3, replay.events().size());

    log.append(event("chat.1"));
    assertFalse(log.after("acme", List.of("chat.1"), oldest.id()).recovered());
  }

  Envelope eventWithId(String channel, long millis, String origin) {
    return new Envelope(new EventId(millis, seq++, origin), channel, "e", null, "p", "acme", Instant.ofEpochMilli(millis));
  }

  @Test
  void aMomentIsExactOnItsOwnInstanceEvenForEventsInFlightOrFromAClockBehind() {
    HistoryLog log = log(1000);
    EventId moment = log.head("acme");
    clock.advance(50);
    // published before the moment (in flight when it was taken), or by an instance whose clock is behind
    Envelope inFlight = eventWithId("chat.1", moment.millis() - 20, "b");
    Envelope behind = eventWithId("chat.1", moment.millis() - 60_000, "c");
    log.append(inFlight);
    log.append(behind);

    Replay replay = log.after("acme", List.of("chat.1"), moment);
    assertTrue(replay.recovered());
    assertEquals(ids(List.of(inFlight, behind)), ids(replay.events()), "nothing skipped for having a smaller id");
  }

  @Test
  void elsewhereAMomentIsAGapWhenAnEventAtOrBeforeItArrivedLate() {
    HistoryLog issuer = log(1000);
    HistoryLog other = log(1000);
    EventId moment = issuer.head("acme");
    clock.advance(50);
    other.append(eventWithId("chat.1", moment.millis() - 60_000, "c")); // a clock behind: arrives now

    Replay replay = other.after("acme", List.of("chat.1"), moment);
    assertFalse(replay.recovered(), "the client may not have seen it: say so rather than skip it");
    assertEquals(Set.of("chat.1"), replay.gaps());
  }

  @Test
  void elsewhereAMomentIsRecoveredWhenNothingIsUncertain() {
    HistoryLog issuer = log(1000);
    HistoryLog other = log(1000);
    other.append(event("chat.2")); // long before, on another channel
    clock.advance(TOLERANCE + 1);
    other.append(event("chat.1"));
    clock.advance(TOLERANCE + 1);
    EventId moment = issuer.head("acme");
    clock.advance(10);
    Envelope after = event("chat.1");
    other.append(after);

    Replay replay = other.after("acme", List.of("chat.1"), moment);
    assertTrue(replay.recovered());
    assertEquals(ids(List.of(after)), ids(replay.events()));
  }

  /**
   * An instance away from the broker since {@code horizon} cannot answer a resume from an event
   * it lacks that is newer than that: the client had it, and others this instance lacks too,
   * which would reach it again as live events once the instance is back (docs/jms.md).
   */
  @Test
  void anEventItLacksFromAfterItsHorizonCannotBeAnsweredYet() {
    HistoryLog log = log(1000);
    clock.advance(60_000); // running a while
    Envelope held = event("chat.1");
    log.append(held);
    long horizon = clock.millis();
    clock.advance(30_000);
    EventId elsewhere = new EventId(clock.millis() - 1_000, 0, "b"); // got on another instance

    assertTrue(log.canAnswer("acme", held.id(), horizon), "a position it holds is exact");
    assertFalse(log.canAnswer("acme", elsewhere, horizon), "newer than its horizon");
    assertFalse(log.canAnswer("acme", new EventId(horizon - TOLERANCE + 1, 0, "b"), horizon), "within the tolerance of it");
    assertTrue(log.canAnswer("acme", new EventId(horizon - TOLERANCE, 0, "b"), horizon), "older: compared by time as ever");
    assertTrue(log.canAnswer("acme", elsewhere, clock.millis() + TOLERANCE), "once current again, after the tolerance");
    assertTrue(log.canAnswer("acme", log.head("other"), horizon), "a moment: its client has seen no event since");
    assertTrue(log.canAnswer("acme", new EventId(clock.millis() + TOLERANCE + 1, 0, "b"), horizon), "too far ahead to be real");
    assertTrue(log.canAnswer("acme", new EventId(1, 0, "b"), horizon), "from before this run: a gap, as ever");
  }

  @Test
  void anEventThatJustLeftTheHistoryStillResumesExactly() {
    HistoryLog log = log(1000);
    Envelope seen = event("jobs.1");
    log.append(seen);
    for (int i = 0; i < 5; i++) {
      log.append(event("jobs.1")); // jobs keep 5: 'seen' is dropped, everything after it is kept
    }
    Replay replay = log.after("acme", List.of("jobs.1"), seen.id());
    assertTrue(replay.recovered());
    assertEquals(5, replay.events().size());
  }

  @Test
  void lastValuesHaveTheirOwnCapTheLeastRecentlyUpdatedGoFirst() {
    HistoryLog log = log(1000, 2);
    log.append(event("jobs.1"));
    log.append(event("jobs.2"));
    log.append(event("jobs.1"));
    log.append(event("jobs.3"));
    assertEquals(2, log.lastValueCount());
    assertTrue(log.fresh("acme", List.of("jobs.2")).lastValues().isEmpty(), "jobs.2 was updated least recently");
    assertEquals(1, log.fresh("acme", List.of("jobs.1")).lastValues().size());
    assertEquals(1, log.fresh("acme", List.of("jobs.3")).lastValues().size());
  }

  @Test
  void theSweepTakesChannelsInSlicesAndForgetsEmptyTenants() {
    HistoryLog log = log(1000);
    EventId moment = log.head("globex");
    for (int i = 0; i < 5; i++) {
      log.append(event("globex", "chat." + i));
    }
    clock.advance(11_000);
    assertEquals(2, log.sweep(2), "a slice looks at no more than its budget");
    assertEquals(3, log.channelCount());
    log.sweep(10);
    assertEquals(0, log.channelCount());
    assertEquals(0, log.tenantCount(), "a tenant with nothing left is forgotten too");
    assertFalse(log.after("globex", List.of("chat.1"), moment).recovered(), "but not what it dropped");
  }
}
