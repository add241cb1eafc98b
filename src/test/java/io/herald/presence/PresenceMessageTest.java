package io.herald.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Presence messages between instances read back as they were written. */
class PresenceMessageTest {
  private static final Entry ALICE =
      new Entry("a", 42, "acme", "docs.7", "c1", "alice", "Alice \"Al\" Liddell", "https://example.com/a.png", Status.AWAY,
          "{\"cursor\":{\"x\":1,\"y\":2}}", 7, 5, false);

  @Test
  void everyKindRoundTrips() {
    PresenceMessage set = new PresenceMessage(PresenceMessage.SET, "a", 42, 3, List.of(ALICE), null, 0, 0, null);
    assertEquals(set, PresenceMessage.parse(set.json()));
    PresenceMessage remove = new PresenceMessage(PresenceMessage.REMOVE, "a", 42, 4, List.of(), ALICE, 0, 0, null);
    assertEquals(ALICE.key(), PresenceMessage.parse(remove.json()).key().key());
    PresenceMessage snapshot = new PresenceMessage(PresenceMessage.SNAPSHOT, "a", 42, 5, List.of(ALICE, ALICE), null, 2, 3, null);
    assertEquals(snapshot, PresenceMessage.parse(snapshot.json()));
    PresenceMessage sync = new PresenceMessage(PresenceMessage.SYNC, "b", 9, 0, List.of(), null, 0, 0, "a");
    assertEquals(sync, PresenceMessage.parse(sync.json()));
  }

  @Test
  void whatIsNotOneIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> PresenceMessage.parse("{\"op\":\"nonsense\"}"));
    assertThrows(IllegalArgumentException.class, () -> PresenceMessage.parse("[1]"));
    assertThrows(IllegalArgumentException.class, () -> PresenceMessage.parse("{\"op\":\"set\",\"instance\":\"a\",\"entry\":{}}"));
  }
}
