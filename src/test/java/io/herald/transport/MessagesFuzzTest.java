package io.herald.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.EventNames;
import io.herald.channel.Channels;
import io.herald.history.Positions;
import io.herald.testing.Fuzz;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzz of reading {@code herald.v1} client messages: whatever arrives, reading it either
 * succeeds or fails with one of the documented WebSocket error codes, never anything else.
 */
class MessagesFuzzTest {
  private static final Set<ErrorCode> DOCUMENTED =
      Set.of(ErrorCode.INVALID_MESSAGE, ErrorCode.INVALID_CHANNEL, ErrorCode.INVALID_EVENT, ErrorCode.INVALID_POSITION, ErrorCode.INVALID_IDEMPOTENCY_KEY);
  private static final List<String> VALID =
      List.of(
          "{\"type\":\"subscribe\",\"id\":\"1\",\"channel\":\"jobs.42\",\"since\":\"1795445796241-0-76c5c3b7\"}",
          "{\"type\":\"publish\",\"id\":2,\"channel\":\"chat.lobby\",\"event\":\"chat.message\",\"data\":{\"text\":\"hi\"},\"echo\":false,\"idempotencyKey\":\"k-1\"}",
          "{\"type\":\"typing\",\"id\":\"4\",\"channel\":\"chat.lobby\",\"state\":\"start\"}",
          "{\"type\":\"refresh\",\"id\":\"6\",\"token\":\"a.b.c\"}",
          "{\"type\":\"unsubscribe\",\"channel\":\"docs.7\"}");

  private final Channels channels = Channels.withMaxLength(128);

  @Test
  void everyInputIsReadOrRefusedWithADocumentedCode() {
    Fuzz fuzz = new Fuzz(Fuzz.SEED);
    int read = 0;
    for (int i = 0; i < 20_000; i++) {
      String input = fuzz.mutate(fuzz.pick(VALID));
      try {
        readAll(input);
        read++;
      } catch (HeraldException e) {
        if (!DOCUMENTED.contains(e.code())) {
          fail(caseOf(i, input) + ": undocumented code " + e.code());
        }
      } catch (RuntimeException | StackOverflowError e) {
        fail(caseOf(i, input) + ": " + e, e);
      }
    }
    assertTrue(read > 100, "some variants still read fine: the fuzz reaches past the parser (" + read + ")");
  }

  /** Everything the protocol reads from a message before acting on it. */
  private void readAll(String text) {
    JsonObject message = Messages.parse(text);
    Messages.ref(message.get("id"));
    Messages.token(message);
    if (message.get("channel") != null) {
      Messages.channel(message, channels);
    }
    Messages.idempotencyKey(message, 200);
    if (message.get("since") instanceof JsonString since) {
      Positions.parse(since.getString());
    }
    if (message.containsKey("event")) {
      EventNames.validate(message.get("event"));
    }
  }

  private static String caseOf(int i, String input) {
    return "seed " + Fuzz.SEED + ", case " + i + ", input " + (input.length() > 200 ? input.substring(0, 200) + "..." : input);
  }
}
