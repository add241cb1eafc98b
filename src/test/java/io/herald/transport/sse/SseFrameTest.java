package io.herald.transport.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SseFrameTest {
  @Test
  void aStoppingInstanceTellsAStreamToReconnectSoonInEitherForm() {
    String json = "{\"type\":\"reconnect\",\"retryMs\":500}";
    assertEquals(
        "retry: 500\nevent: reconnect\ndata: " + json + "\n\n",
        new String(SseFrame.withRetry(500, SseFrame.named("reconnect", json)).bytes(), StandardCharsets.UTF_8));
    assertEquals(
        "retry: 500\ndata: " + json + "\n\n",
        new String(SseFrame.withRetry(500, SseFrame.message(json)).bytes(), StandardCharsets.UTF_8),
        "format=messages: unnamed, the type in the data");
    assertEquals(
        "event: heartbeat\ndata: {\"type\":\"heartbeat\"}\n\n",
        new String(SseForm.of(null, "event").heartbeat().bytes(), StandardCharsets.UTF_8));
  }
}
