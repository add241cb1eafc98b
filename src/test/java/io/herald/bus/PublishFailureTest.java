package io.herald.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.herald.api.ErrorBody;
import io.herald.api.ErrorCode;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** What a publisher is told when distribution did not take an event: Herald's words, never the broker's. */
class PublishFailureTest {
  @Test
  void aBrokersOwnFailureIsLoggedUnderACorrelationIdAndNotRepeated() {
    PublishFailure failure =
        PublishFailure.of(new CompletionException(new IllegalStateException("AMQ219014: Timed out after waiting 30,000 ms")));
    assertEquals(PublishFailure.Kind.BROKER, failure.kind());
    assertNotNull(failure.correlationId(), "the log line's key goes to the client");
    assertFalse(failure.getMessage().contains("AMQ"), failure.getMessage());
    String body = ErrorBody.json(ErrorCode.UNAVAILABLE, failure.getMessage(), failure.correlationId());
    assertFalse(body.contains("AMQ") || body.contains("Exception"), body);
    assertEquals(true, body.contains("\"correlationId\":\"" + failure.correlationId() + "\""), body);
  }

  @Test
  void knownCausesAreNamedWithoutAnythingToLog() {
    assertEquals(PublishFailure.Kind.TIMEOUT, PublishFailure.of(new CompletionException(new TimeoutException())).kind());
    PublishFailure full = PublishFailure.of(new PublishFailure(PublishFailure.Kind.OVERLOADED));
    assertEquals(PublishFailure.Kind.OVERLOADED, full.kind());
    assertNull(full.correlationId());
  }
}
