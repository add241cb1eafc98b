package io.herald.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ChannelNameTest {
  @ParameterizedTest
  @ValueSource(strings = {"jobs.42", "docs.7.comments", "user.alice@example.com", "chat.room-1", "t_x.a:b=c", "a.b"})
  void acceptsTheDocumentedGrammar(String name) {
    assertEquals(name, ChannelName.parse(name, 128).value());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "jobs", "Jobs.1", "jobs..1", "jobs.1.", ".jobs", "jobs.*", "1jobs.2", "jobs.a b", "jobs.a/b", "jobs.%41"})
  void refusesEverythingElse(String name) {
    HeraldException e = assertThrows(HeraldException.class, () -> ChannelName.parse(name, 128));
    assertEquals(ErrorCode.INVALID_CHANNEL, e.code());
  }

  @Test
  void theNamespaceIsEverythingBeforeTheFirstDot() {
    assertEquals("docs", ChannelName.parse("docs.7.comments", 128).namespace());
  }

  @Test
  void enforcesTheConfiguredLengthAndTheHardCeiling() {
    String name = "jobs." + "x".repeat(95); // 100 characters
    assertEquals(name, ChannelName.parse(name, 100).value());
    assertThrows(HeraldException.class, () -> ChannelName.parse(name, 99));
    String huge = "jobs." + "x".repeat(300);
    assertThrows(HeraldException.class, () -> ChannelName.parse(huge, 10_000));
  }

  @Test
  void namespacesAreAtMost32Characters() {
    assertEquals("n".repeat(32), ChannelName.parse("n".repeat(32) + ".x", 128).namespace());
    assertThrows(HeraldException.class, () -> ChannelName.parse("n".repeat(33) + ".x", 128));
  }
}
