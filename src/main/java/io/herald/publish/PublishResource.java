package io.herald.publish;

import io.herald.api.ErrorBody;
import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.Draft;
import io.herald.bus.EventBus;
import io.herald.channel.ChannelName;
import io.herald.channel.Channels;
import io.herald.security.Caller;
import io.herald.security.Secured;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
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

/** {@code POST /api/channels/{channel}/events}: server-side publishing, for the publisher group. */
@Path("channels/{channel}/events")
@Secured
@RequestScoped
public class PublishResource {
  @Inject EventBus bus;
  @Inject Channels channels;
  @Inject PublishSettings settings;
  @Inject PublishRates rates;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public void publish(
      @PathParam("channel") String channelName,
      @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength,
      @Context SecurityContext security,
      InputStream body,
      @Suspended AsyncResponse response) {
    Caller caller = (Caller) security.getUserPrincipal();
    if (!caller.inGroup(Caller.PUBLISHER)) {
      throw new HeraldException(
          ErrorCode.PERMISSION_DENIED, "Publishing needs a token whose groups include 'publisher'.");
    }
    rates.admit(caller);
    ChannelName channel = channels.parse(channelName);
    int limit = settings.maxBodyBytes();
    if (contentLength != null && contentLength > limit) {
      throw EventRequest.tooLarge(limit); // refuse before reading a byte of it
    }
    EventRequest request = EventRequest.parse(EventRequest.readLimited(body, limit));

    // Answer from the broker's acknowledgement, never holding an HTTP thread while waiting.
    response.setTimeout(settings.timeoutMillis(), TimeUnit.MILLISECONDS);
    response.setTimeoutHandler(
        r ->
            r.resume(
                Response.fromResponse(
                        ErrorBody.response(
                            ErrorCode.UNAVAILABLE, "The event could not be handed to distribution in time."))
                    .header("Retry-After", "1")
                    .build()));
    bus.publish(
            new Draft(channel.value(), request.event(), request.data(), caller.subject(), caller.tenant()))
        .whenComplete(
            (envelope, failure) -> {
              if (failure != null) {
                response.resume(
                    Response.fromResponse(ErrorBody.response(ErrorCode.UNAVAILABLE, failure.getMessage()))
                        .header("Retry-After", "1")
                        .build());
              } else {
                response.resume(
                    Response.accepted(
                            Json.createObjectBuilder()
                                .add("id", envelope.id().toString())
                                .add("channel", envelope.channel())
                                .add("event", envelope.event())
                                .build()
                                .toString())
                        .type(MediaType.APPLICATION_JSON_TYPE)
                        .build());
              }
            });
  }
}
