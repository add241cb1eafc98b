package io.herald.publish;

import io.herald.api.ErrorBody;
import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.security.Caller;
import io.herald.security.limits.Limits;
import io.herald.security.limits.RateBuckets;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * The publish API's rate per publisher (tenant and {@code sub}, so that minting new tokens does
 * not reset it): {@code herald.limits.publish.*}; over it, 429 {@code RATE_LIMIT_EXCEEDED} with
 * {@code Retry-After}. Publishers that have been quiet long enough to be back at their full
 * allowance are forgotten every few seconds.
 */
@ApplicationScoped
public class PublishRates {
  /** Made at start: its gauges are in the first scrape, not after the first use. */
  void boot(@jakarta.enterprise.event.Observes @jakarta.enterprise.context.Initialized(jakarta.enterprise.context.ApplicationScoped.class) Object context) {
    // being called is the point
  }

  @Inject Limits limits;
  @Inject MetricRegistry metrics;

  @Inject io.herald.runtime.Timers scheduler;

  private RateBuckets buckets;
  private ScheduledFuture<?> eviction;

  @PostConstruct
  void start() {
    buckets = new RateBuckets(limits::publishBucket);
    eviction = scheduler.scheduleWithFixedDelay(buckets::evictFull, 10, 10, TimeUnit.SECONDS);
    metrics.gauge("herald.limits.publishers", buckets, RateBuckets::size);
  }

  @PreDestroy
  void stop() {
    eviction.cancel(false);
  }

  /** Takes {@code events} from the publisher's bucket, all or none. */
  void admit(Caller caller, int events) {
    RateBuckets.Take take = buckets.take(caller.tenant() + '\u001f' + caller.subject(), events);
    if (take.taken()) {
      return;
    }
    if (take.retryAfterSeconds() == 0) {
      throw new HeraldException(
          ErrorCode.PAYLOAD_TOO_LARGE,
          "A batch may hold at most " + take.burst() + " events (herald.limits.publish.burst).");
    }
    metrics.counter("herald.limits.refused", new Tag("limit", "publish")).inc();
    throw new WebApplicationException(
        Response.fromResponse(
                ErrorBody.response(ErrorCode.RATE_LIMIT_EXCEEDED, "Over the publish rate for this publisher."))
            .header("Retry-After", String.valueOf(take.retryAfterSeconds()))
            .build());
  }
}
