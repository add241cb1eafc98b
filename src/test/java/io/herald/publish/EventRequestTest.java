package io.herald.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventRequestTest {
  private static EventRequest parse(String body) {
    return EventRequest.parse(body.getBytes(StandardCharsets.UTF_8));
  }

  private static ErrorCode failure(String body) {
    return assertThrows(HeraldException.class, () -> parse(body)).code();
  }

  @Test
  void readsEventAndData() {
    EventRequest r = parse("{\"event\":\"job.update\",\"data\":{\"pct\":5}}");
    assertEquals("job.update", r.event());
    assertEquals(5, r.data().asJsonObject().getInt("pct"));
  }

  @Test
  void dataIsOptional() {
    assertEquals(JsonValue.NULL, parse("{\"event\":\"ping\"}").data());
  }

  @Test
  void malformedJsonIsInvalidJson() {
    assertEquals(ErrorCode.INVALID_JSON, failure("{\"event\":"));
    assertEquals(ErrorCode.INVALID_JSON, failure(""));
    assertEquals(ErrorCode.INVALID_JSON, failure("nope"));
  }

  @Test
  void wrongShapeIsInvalidEvent() {
    assertEquals(ErrorCode.INVALID_EVENT, failure("[]"));
    assertEquals(ErrorCode.INVALID_EVENT, failure("{}"));
    assertEquals(ErrorCode.INVALID_EVENT, failure("{\"event\":5}"));
    assertEquals(ErrorCode.INVALID_EVENT, failure("{\"event\":\"\"}"));
    assertEquals(ErrorCode.INVALID_EVENT, failure("{\"event\":\"a b\"}"));
    assertEquals(ErrorCode.INVALID_EVENT, failure("{\"event\":\"" + "x".repeat(65) + "\"}"));
    for (String reserved : io.herald.bus.EventNames.RESERVED) {
      assertEquals(ErrorCode.INVALID_EVENT, failure("{\"event\":\"" + reserved + "\"}"));
    }
  }

  @Test
  void readingStopsOneByteOverTheLimit() {
    byte[] exactly = new byte[100];
    assertEquals(100, EventRequest.readLimited(new ByteArrayInputStream(exactly), 100).length);
    HeraldException e =
        assertThrows(
            HeraldException.class,
            () -> EventRequest.readLimited(new ByteArrayInputStream(new byte[101]), 100));
    assertEquals(ErrorCode.PAYLOAD_TOO_LARGE, e.code());
  }
}
