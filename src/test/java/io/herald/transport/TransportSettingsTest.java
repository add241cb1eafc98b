package io.herald.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class TransportSettingsTest {
  @Test
  void namesTheTransportsAndRefusesWhatIsNotOne() {
    assertEquals(EnumSet.allOf(Transport.class), TransportSettings.parse("websocket,sse,poll"));
    assertEquals(EnumSet.of(Transport.SSE, Transport.POLL), TransportSettings.parse(" SSE , poll "));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TransportSettings.parse("sse,websockets"));
    assertTrue(e.getMessage().contains("unknown: websockets"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> TransportSettings.parse(" , "), "none at all is no gateway");
  }
}
