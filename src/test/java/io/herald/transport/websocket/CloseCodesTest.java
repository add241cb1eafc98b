package io.herald.transport.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CloseCodesTest {
  @Test
  void aReasonIsCutToTheBytesACloseFrameCarriesNeverInsideACharacter() {
    String cyrillic = "Доступ отозван администратором системы безопасности предприятия, обратитесь в службу поддержки";
    String cut = CloseCodes.fit(cyrillic, 123);
    assertTrue(cut.getBytes(StandardCharsets.UTF_8).length <= 123, cut);
    assertTrue(cyrillic.startsWith(cut));
    int next = cyrillic.substring(cut.length(), cut.length() + 1).getBytes(StandardCharsets.UTF_8).length;
    assertTrue(cut.getBytes(StandardCharsets.UTF_8).length + next > 123, "as much as fits");
    String emoji = "ok 🙂🙂🙂"; // four bytes each, two chars each
    assertEquals("ok 🙂", CloseCodes.fit(emoji, 8));
    assertEquals("ascii", CloseCodes.fit("ascii", 123));
    // CloseReason itself throws above 123 bytes: whatever the phrase, a reason is made
    assertEquals(cut, CloseCodes.reason(4010, cyrillic).getReasonPhrase());
  }
}
