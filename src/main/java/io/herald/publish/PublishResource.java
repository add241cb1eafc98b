package io.herald.publish;

import io.herald.observability.Traffic;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorBody;
import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.Draft;
import io.herald.bus.EventBus;
import io.herald.bus.PublishFailure;
import io.herald.channel.ChannelName;
import io.herald.channel.Channels;
import io.herald.security.Caller;
import io.herald.security.ChannelAccess;
import io.herald.security.Secured;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /api/channels/{channel}/events}: server-side publishing, for the publisher group.
 * One instance serves every request (it keeps no request state): a request-scoped resource cost
 * a bean instance and its proxy set-up on every publish (docs/performance.md).
 */
@Path("channels/{channel}/events")
@Secured
@ApplicationScoped
public class PublishResource {
  @Inject EventBus bus;
  @Inject Traffic traffic;
  @Inject Channels channels;
  @Inject PublishSettings settings;
  @Inject PublishRates rates;
  @Inject ChannelAccess access;
  @Inject io.herald.bus.BusSettings busSettings;

  static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  /** Set on the answer to a repeated key: nothing new was published. */
  static final String REPLAYED = "Idempotent-Replayed";

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public void publish(
      @PathParam("channel") String channelName,
      @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength,
      @HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey,
      @Context SecurityContext security,
      InputStream body,
      @Suspended AsyncResponse response) {
    Caller caller = (Caller) security.getUserPrincipal();
    requirePublisher(caller);
    rates.admit(caller, 1);
    ChannelName channel = channels.parse(channelName);
    access.checkServerPublish(caller, channel);
    int limit = settings.maxBodyBytes();
    if (contentLength != null && contentLength > limit) {
      throw EventRequest.tooLarge(limit); // refuse before reading a byte of it
    }
    EventRequest request = EventRequest.parse(EventRequest.readLimited(body, limit));
    String key = idempotencyKey(idempotencyKey, busSettings);

    answerInTime(response, busSettings.publishTimeoutMillis());
    bus.publish(
            new Draft(channel.value(), request.event(), request.data(), caller.subject(), caller.tenant(), null, key))
        .whenComplete(
            (published, failure) -> {
              if (failure != null) {
                response.resume(unavailable(PublishFailure.of(failure)));
              } else {
                if (!published.repeated()) {
                  traffic.accepted(Traffic.Source.HTTP);
                }
                // A repeat is accepted like the first, naming the first's id: the caller's retry
                // gets the answer it missed, and subscribers get the event once.
                Response.ResponseBuilder accepted =
                    Response.accepted(accepted(published).build().toString()).type(MediaType.APPLICATION_JSON_TYPE);
                if (published.repeated()) {
                  accepted.header(REPLAYED, "true");
                }
                response.resume(accepted.build());
              }
            });
  }

  static void requirePublisher(Caller caller) {
    if (!caller.inGroup(Caller.PUBLISHER)) {
      throw new HeraldException(
          ErrorCode.PERMISSION_DENIED, "Publishing needs a token whose groups include 'publisher'.");
    }
  }

  /**
   * Answers from the broker's acknowledgement, never holding an HTTP thread while waiting. The bus
   * gives up on a publish after {@code herald.publish.timeout-ms}; this is only the backstop.
   */
  static void answerInTime(AsyncResponse response, long timeoutMillis) {
    response.setTimeout(timeoutMillis + 1000, TimeUnit.MILLISECONDS);
    response.setTimeoutHandler(r -> r.resume(unavailable(new PublishFailure(PublishFailure.Kind.TIMEOUT))));
  }

  static Response unavailable(PublishFailure failure) {
    return unavailable(failure.getMessage(), failure.correlationId());
  }

  static Response unavailable(String message, String correlationId) {
    return Response.fromResponse(ErrorBody.response(ErrorCode.UNAVAILABLE, message, correlationId))
        .header("Retry-After", "1")
        .build();
  }

  /** What the caller is told of an event handed to distribution. */
  static jakarta.json.JsonObjectBuilder accepted(io.herald.bus.Published published) {
    return JSON.createObjectBuilder()
        .add("id", published.envelope().id().toString())
        .add("channel", published.envelope().channel())
        .add("event", published.envelope().event());
  }

  static String idempotencyKey(String header, io.herald.bus.BusSettings busSettings) {
    if (header == null) {
      return null;
    }
    int max = busSettings.idempotencyMaxKeyLength();
    if (header.isBlank() || header.length() > max) {
      throw new HeraldException(
          ErrorCode.INVALID_IDEMPOTENCY_KEY, "An Idempotency-Key is 1 to " + max + " characters (a UUID is a good one).");
    }
    return header;
  }
}
