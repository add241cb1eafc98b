package io.herald.publish;

import io.herald.api.ErrorBody;
import io.herald.api.ErrorCode;
import io.herald.security.Caller;
import io.herald.security.limits.Limits;
import io.herald.security.limits.TokenBucket;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * The publish API's rate per publisher (tenant and {@code sub}, so that minting new tokens does
 * not reset it): {@code herald.limits.publish.*}; over it, 429 {@code RATE_LIMIT_EXCEEDED} with
 * {@code Retry-After}.
 */
@ApplicationScoped
public class PublishRates {
  @Inject Limits limits;
  @Inject MetricRegistry metrics;

  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  /** Takes {@code events} from the publisher's bucket, all or none. */
  void admit(Caller caller, int events) {
    TokenBucket bucket =
        buckets.computeIfAbsent(caller.tenant() + '\u001f' + caller.subject(), k -> limits.publishBucket());
    if (events > bucket.burst()) {
      throw new io.herald.api.HeraldException(
          ErrorCode.PAYLOAD_TOO_LARGE,
          "A batch may hold at most " + bucket.burst() + " events (herald.limits.publish.burst).");
    }
    long retryAfter;
    synchronized (bucket) {
      if (bucket.tryTake(events)) {
        return;
      }
      retryAfter = Math.max(1, bucket.secondsUntilNext());
    }
    metrics.counter("herald.limits.refused", new Tag("limit", "publish")).inc();
    throw new WebApplicationException(
        Response.fromResponse(
                ErrorBody.response(ErrorCode.RATE_LIMIT_EXCEEDED, "Over the publish rate for this publisher."))
            .header("Retry-After", String.valueOf(retryAfter))
            .build());
  }
}
