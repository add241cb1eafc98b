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
  final ManualClock clock = new ManualClock(1_700_000_000_000L);
  int seq;

  /** jobs: 5 events, 10 s, last value kept 60 s; chat: 100 events, 10 s; off: no history. */
  HistoryLog log(int maxEvents) {
    return new HistoryLog(
        clock,
        channel ->
            switch (channel.substring(0, channel.indexOf('.'))) {
              case "jobs" -> new Retention(5, 10_000, true, 60_000);
              case "off" -> new Retention(0, 10_000, false, 0);
              default -> new Retention(100, 10_000, false, 0);
            },
        maxEvents);
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
    assertEquals(HistoryLog.MOMENT, now.origin());
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
}
