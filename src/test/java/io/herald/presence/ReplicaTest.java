package io.herald.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Member lists as every instance builds them from the instances' presence messages: one member per
 * user, joins and leaves at once, updates gathered per flush, and whatever was missed made good by
 * snapshots; instances that go away take their members with them.
 */
class ReplicaTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long TIMEOUT = 15 * SECOND;

  private final Replica replica = new Replica("a", 100, Colors.DEFAULT, 1000, 0);
  private final long[] seqs = new long[8];

  private static Entry entry(String origin, String connection, String user, long since) {
    return new Entry(origin, 100, "acme", "docs.7", connection, user, null, null, Status.ONLINE, "{}", since, since, false);
  }

  private static Entry state(Entry e, String state, long at) {
    return new Entry(e.origin(), e.boot(), e.tenant(), e.channel(), e.connectionId(), e.userId(), e.name(), e.avatar(), e.status(), state, at, e.since(), e.typing());
  }

  private PresenceMessage set(Entry e) {
    return new PresenceMessage(PresenceMessage.SET, e.origin(), e.boot(), ++seqs[e.origin().charAt(0) - 'a'], List.of(e), null, 0, 0, null);
  }

  private PresenceMessage remove(Entry e) {
    return new PresenceMessage(PresenceMessage.REMOVE, e.origin(), e.boot(), ++seqs[e.origin().charAt(0) - 'a'], List.of(), e, 0, 0, null);
  }

  private Replica.Outcome apply(PresenceMessage m) {
    return replica.apply(m, 0, TIMEOUT, 0);
  }

  private static JsonObject json(Notice notice) {
    return Json.createReader(new StringReader(notice.frame())).readObject();
  }

  private static List<String> users(JsonObject frame) {
    List<String> users = new ArrayList<>();
    frame.getJsonArray("members").forEach(m -> users.add(m.asJsonObject().getString("userId")));
    return users;
  }

  @Test
  void aUserWithSeveralConnectionsIsOneMemberThatLeavesWithItsLastConnection() {
    Entry tab1 = entry("a", "c1", "alice", 1_000);
    Entry tab2 = entry("b", "c2", "alice", 2_000);
    Notice join = apply(set(tab1)).notices().get(0);
    assertEquals("join", join.action());
    assertEquals(List.of("alice"), users(json(join)));
    assertEquals(1, json(join).getInt("count"));
    assertTrue(apply(set(tab2)).notices().isEmpty(), "a second connection of the same user is no news");
    assertTrue(apply(remove(tab1)).notices().isEmpty(), "nor is one of them closing");
    Notice leave = apply(remove(tab2)).notices().get(0);
    assertEquals("leave", leave.action());
    assertEquals(List.of("alice"), users(json(leave)));
    assertEquals(0, json(leave).getInt("count"));
  }

  @Test
  void updatesAreGatheredUntilTheFlushAndTheLatestStateWins() {
    Entry alice = entry("a", "c1", "alice", 1_000);
    apply(set(alice));
    for (int i = 1; i <= 5; i++) {
      assertTrue(apply(set(state(alice, "{\"x\":" + i + "}", 1_000 + i))).notices().isEmpty());
    }
    assertTrue(replica.hasChanges());
    List<Notice> flushed = apply(PresenceMessage.local(PresenceMessage.TICK)).notices();
    assertEquals(1, flushed.size(), "one update frame for the channel");
    JsonObject member = json(flushed.get(0)).getJsonArray("members").getJsonObject(0);
    assertEquals(5, member.getJsonObject("state").getInt("x"));
    assertTrue(apply(PresenceMessage.local(PresenceMessage.TICK)).notices().isEmpty(), "nothing new, nothing sent");
  }

  @Test
  void theMembersStateIsTheStateItsConnectionsSetMostRecentlyAndItIsOnlineIfAnyIs() {
    Entry tab1 = entry("a", "c1", "alice", 1_000);
    Entry tab2 = entry("a", "c2", "alice", 1_500);
    apply(set(tab1));
    apply(set(tab2));
    apply(set(state(tab1, "{\"view\":\"slide 3\"}", 3_000)));
    apply(set(state(tab2, "{\"view\":\"slide 9\"}", 2_000)));
    Entry away = new Entry("a", 100, "acme", "docs.7", "c1", "alice", null, null, Status.AWAY, "{\"view\":\"slide 3\"}", 3_000, 1_000, false);
    apply(set(away));
    JsonObject member = Json.createReader(new StringReader(replica.snapshot("acme", "docs.7"))).readObject().getJsonArray("members").getJsonObject(0);
    assertEquals("slide 3", member.getJsonObject("state").getString("view"));
    assertEquals("online", member.getString("status"), "its other connection is still online");
    assertEquals("1970-01-01T00:00:01Z", member.getString("since"), "since its first connection still there");
  }

  @Test
  void listsAreInTheOrderOfJoinsWhicheverOrderTheMessagesCameIn() {
    apply(set(entry("b", "c3", "carol", 3_000)));
    apply(set(entry("a", "c1", "alice", 1_000)));
    apply(set(entry("b", "c2", "bob", 2_000)));
    assertEquals(
        List.of("alice", "bob", "carol"),
        users(Json.createReader(new StringReader(replica.snapshot("acme", "docs.7"))).readObject()));
  }

  @Test
  void aMissedMessageShowsAndASnapshotMakesItGood() {
    Entry alice = entry("b", "c1", "alice", 1_000);
    Entry bob = entry("b", "c2", "bob", 2_000);
    apply(set(alice));
    seqs[1]++; // b's next message (bob joining) never arrives
    Replica.Outcome after = apply(set(state(alice, "{\"x\":1}", 1_001)));
    assertEquals(Set.of("b"), after.snapshotsWanted(), "a jump in b's numbers: ask b for everything");
    assertFalse(replica.isMember("acme", "docs.7", "bob"));

    PresenceMessage snapshot =
        new PresenceMessage(PresenceMessage.SNAPSHOT, "b", 100, ++seqs[1], List.of(state(alice, "{\"x\":1}", 1_001), bob), null, 1, 1, null);
    List<Notice> made = apply(snapshot).notices();
    assertEquals(List.of("join"), made.stream().map(Notice::action).toList());
    assertTrue(replica.isMember("acme", "docs.7", "bob"));
    assertTrue(apply(set(state(bob, "{}", 2_001))).snapshotsWanted().isEmpty(), "in step again");
  }

  @Test
  void aSnapshotReplacesEverythingFromItsInstanceAndAMissingPartWaitsForTheNext() {
    Entry alice = entry("b", "c1", "alice", 1_000);
    Entry bob = entry("b", "c2", "bob", 2_000);
    apply(set(alice));
    apply(set(bob));
    long at = ++seqs[1];
    apply(new PresenceMessage(PresenceMessage.SNAPSHOT, "b", 100, at, List.of(alice), null, 1, 3, null));
    apply(new PresenceMessage(PresenceMessage.SNAPSHOT, "b", 100, at, List.of(), null, 3, 3, null)); // part 2 lost
    assertTrue(replica.isMember("acme", "docs.7", "bob"), "an incomplete snapshot changes nothing");

    long next = ++seqs[1];
    apply(new PresenceMessage(PresenceMessage.SNAPSHOT, "b", 100, next, List.of(alice), null, 1, 2, null));
    List<Notice> made = apply(new PresenceMessage(PresenceMessage.SNAPSHOT, "b", 100, next, List.of(), null, 2, 2, null)).notices();
    assertEquals(List.of("leave"), made.stream().map(Notice::action).toList(), "bob was gone from b");
    assertFalse(replica.isMember("acme", "docs.7", "bob"));
  }

  @Test
  void anInstanceNotHeardFromForTheTimeoutTakesItsMembersAlongOnlyWhileThisOneIsConnected() {
    apply(set(entry("b", "c1", "bob", 1_000)));
    apply(set(entry("a", "c2", "alice", 1_000)));
    assertTrue(replica.apply(PresenceMessage.local(PresenceMessage.EXPIRE), 20 * SECOND, TIMEOUT, -1).notices().isEmpty(),
        "while this instance is away from the broker, silence means nothing");
    assertTrue(replica.apply(PresenceMessage.local(PresenceMessage.EXPIRE), 20 * SECOND, TIMEOUT, 10 * SECOND).notices().isEmpty(),
        "silence counts from when this instance got back");
    List<Notice> expired = replica.apply(PresenceMessage.local(PresenceMessage.EXPIRE), 26 * SECOND, TIMEOUT, 10 * SECOND).notices();
    assertEquals(List.of("leave"), expired.stream().map(Notice::action).toList());
    assertFalse(replica.isMember("acme", "docs.7", "bob"));
    assertTrue(replica.isMember("acme", "docs.7", "alice"), "this instance's own members stay");
  }

  @Test
  void goodbyeAndARestartTakeTheMembersOfTheFormerInstanceAtOnce() {
    apply(set(entry("b", "c1", "bob", 1_000)));
    PresenceMessage bye = new PresenceMessage(PresenceMessage.BYE, "b", 100, seqs[1], List.of(), null, 0, 0, null);
    assertEquals("leave", apply(bye).notices().get(0).action());
    assertTrue(apply(set(entry("b", "c9", "late", 1_000))).notices().isEmpty(), "nothing more from a boot that said goodbye");

    apply(set(entry("c", "c2", "carol", 1_000)));
    Entry reborn = new Entry("c", 200, "acme", "docs.7", "c3", "dave", null, null, Status.ONLINE, "{}", 5_000, 5_000, false);
    List<Notice> notices = apply(new PresenceMessage(PresenceMessage.SET, "c", 200, 1, List.of(reborn), null, 0, 0, null)).notices();
    assertEquals(List.of("leave", "join"), notices.stream().map(Notice::action).toList(), "carol went with c's former boot");

    Entry myPast = new Entry("a", 50, "acme", "docs.7", "c4", "ghost", null, null, Status.ONLINE, "{}", 1, 1, false);
    assertTrue(apply(new PresenceMessage(PresenceMessage.SET, "a", 50, 1, List.of(myPast), null, 0, 0, null)).notices().isEmpty(),
        "this instance's own former life, still queued for it, is ignored");
  }

  @Test
  void tenantsHaveListsOfTheirOwnAndTheEntriesHaveABound() {
    Replica small = new Replica("a", 100, Colors.DEFAULT, 2, 0);
    Entry acme = entry("b", "c1", "alice", 1_000);
    Entry globex = new Entry("b", 100, "globex", "docs.7", "c2", "alice", null, null, Status.ONLINE, "{}", 1, 1, false);
    Entry third = entry("b", "c3", "carol", 1_000);
    small.apply(new PresenceMessage(PresenceMessage.SET, "b", 100, 1, List.of(acme), null, 0, 0, null), 0, TIMEOUT, 0);
    small.apply(new PresenceMessage(PresenceMessage.SET, "b", 100, 2, List.of(globex), null, 0, 0, null), 0, TIMEOUT, 0);
    small.apply(new PresenceMessage(PresenceMessage.SET, "b", 100, 3, List.of(third), null, 0, 0, null), 0, TIMEOUT, 0);
    assertEquals(1, small.memberCount("acme", "docs.7"));
    assertEquals(1, small.memberCount("globex", "docs.7"));
    assertEquals(1, small.refused(), "over the bound: not kept, counted");
    assertNull(small.snapshot("initech", "docs.7"));
  }

  @Test
  void typingShowsInTheMemberWithoutAnUpdate() {
    Entry alice = entry("b", "c1", "alice", 1_000);
    apply(set(alice));
    replica.typing("acme", "docs.7", "c1", "alice", true);
    assertFalse(replica.hasChanges(), "typing frames tell it; no update frame");
    JsonObject member = Json.createReader(new StringReader(replica.snapshot("acme", "docs.7"))).readObject().getJsonArray("members").getJsonObject(0);
    assertTrue(member.getBoolean("typing"));
    apply(set(state(alice, "{\"x\":1}", 2_000)));
    member = Json.createReader(new StringReader(replica.snapshot("acme", "docs.7"))).readObject().getJsonArray("members").getJsonObject(0);
    assertTrue(member.getBoolean("typing"), "a state update does not end typing");
  }

  @Test
  void aBusyChannelSendsItsUpdatesLessOftenWithinItsBudgetTheLatestOfEachMember() {
    Replica budgeted = new Replica("a", 100, Colors.DEFAULT, 1000, 100); // 100 member updates a second
    List<Entry> members = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Entry e = entry("a", "c" + i, "user" + i, 1_000 + i);
      members.add(e);
      budgeted.apply(set(e), 0, TIMEOUT, 0);
    }
    PresenceMessage tick = PresenceMessage.local(PresenceMessage.TICK);
    for (Entry e : members) {
      budgeted.apply(set(state(e, "{\"x\":1}", 2_000)), 0, TIMEOUT, 0);
    }
    List<Notice> first = budgeted.apply(tick, SECOND, TIMEOUT, 0).notices();
    assertEquals(10, users(json(first.get(0))).size(), "10 members changed: 10 x 10 = 100 member updates, a second's budget");
    for (Entry e : members) {
      budgeted.apply(set(state(e, "{\"x\":2}", 3_000)), 0, TIMEOUT, 0);
      budgeted.apply(set(state(e, "{\"x\":3}", 4_000)), 0, TIMEOUT, 0);
    }
    assertTrue(budgeted.apply(tick, SECOND + SECOND / 2, TIMEOUT, 0).notices().isEmpty(), "half a second later: still within the wait");
    assertTrue(budgeted.hasChanges(), "the changes wait, they are not lost");
    List<Notice> second = budgeted.apply(tick, 2 * SECOND, TIMEOUT, 0).notices();
    JsonObject frame = json(second.get(0));
    assertEquals(10, users(frame).size());
    frame.getJsonArray("members").forEach(m -> assertEquals(3, m.asJsonObject().getJsonObject("state").getInt("x"), "the latest of each"));
  }
}
