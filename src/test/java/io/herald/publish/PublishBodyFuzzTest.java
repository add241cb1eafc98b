package io.herald.publish;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.BusSettings;
import io.herald.channel.Channels;
import io.herald.security.Caller;
import io.herald.security.ChannelAccess;
import io.herald.testing.Fuzz;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzz of the publish API's bodies, single and batch: every body is read, or refused with
 * one of the codes the error table documents for it, never anything else (a 500).
 */
class PublishBodyFuzzTest {
  private static final Set<ErrorCode> DOCUMENTED =
      Set.of(
          ErrorCode.INVALID_JSON, ErrorCode.INVALID_EVENT, ErrorCode.INVALID_CHANNEL, ErrorCode.INVALID_IDEMPOTENCY_KEY,
          ErrorCode.PAYLOAD_TOO_LARGE, ErrorCode.PERMISSION_DENIED);
  private static final Caller BACKEND =
      new Caller("backend", Set.of("publisher"), "acme", Instant.MAX, Set.of(), Set.of("jobs.*", "chat.*"));

  @Test
  void everySingleBodyIsReadOrRefusedWithADocumentedCode() {
    check(
        List.of("{\"event\":\"job.update\",\"data\":{\"pct\":42,\"tags\":[\"a\",\"b\"]}}", "{\"event\":\"x\"}"),
        body -> EventRequest.parse(body.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void everyBatchIsReadOrRefusedWithADocumentedCode() throws Exception {
    BatchPublishResource batches = new BatchPublishResource();
    batches.channels = Channels.withMaxLength(128);
    batches.access = new ChannelAccess();
    batches.settings = new PublishSettings();
    batches.settings.maxBatchEvents = 20;
    batches.settings.maxBodyBytes = 2048;
    batches.busSettings = new BusSettings();
    Field keyLength = BusSettings.class.getDeclaredField("idempotencyMaxKeyLength");
    keyLength.setAccessible(true);
    keyLength.setInt(batches.busSettings, 200);
    check(
        List.of(
            "{\"events\":[{\"channel\":\"jobs.1\",\"event\":\"a\",\"data\":1,\"idempotencyKey\":\"k1\"},{\"channel\":\"chat.x\",\"event\":\"b\"}]}",
            "{\"events\":[{\"channel\":\"docs.9\",\"event\":\"c\",\"data\":{\"n\":[1,2]}}]}"),
        body -> batches.drafts(BACKEND, body.getBytes(StandardCharsets.UTF_8)));
  }

  private static void check(List<String> valid, java.util.function.Consumer<String> read) {
    Fuzz fuzz = new Fuzz(Fuzz.SEED);
    int accepted = 0;
    for (int i = 0; i < 10_000; i++) {
      String body = fuzz.mutate(fuzz.pick(valid));
      try {
        read.accept(body);
        accepted++;
      } catch (HeraldException e) {
        if (!DOCUMENTED.contains(e.code())) {
          fail("seed " + Fuzz.SEED + ", case " + i + ": undocumented " + e.code() + " for " + abbreviate(body));
        }
      } catch (RuntimeException | StackOverflowError e) {
        fail("seed " + Fuzz.SEED + ", case " + i + ": " + e + " for " + abbreviate(body), e);
      }
    }
    assertTrue(accepted > 50, "some variants are still accepted: the fuzz reaches past the parser (" + accepted + ")");
  }

  private static String abbreviate(String text) {
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }
}
