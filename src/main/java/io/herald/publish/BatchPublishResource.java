package io.herald.publish;

import io.herald.observability.Traffic;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.Draft;
import io.herald.bus.EventBus;
import io.herald.bus.EventNames;
import io.herald.bus.PublishFailure;
import io.herald.bus.Published;
import io.herald.channel.ChannelName;
import io.herald.channel.Channels;
import io.herald.security.Caller;
import io.herald.security.ChannelAccess;
import io.herald.security.Secured;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /api/events}: several events, to any channels, in one request. A backend that
 * notifies many users at once pays for one request (and one token verification, the largest part
 * of a publish's cost) instead of one per event. The batch is checked whole before any of it is
 * published; its events are handed to distribution in the order given.
 *
 * <p>One instance serves every request, like {@link PublishResource}.
 */
@Path("events")
@Secured
@ApplicationScoped
public class BatchPublishResource {
  @Inject EventBus bus;
  @Inject Traffic traffic;
  @Inject Channels channels;
  @Inject PublishSettings settings;
  @Inject PublishRates rates;
  @Inject ChannelAccess access;
  @Inject io.herald.bus.BusSettings busSettings;

  @POST
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public void publish(
      @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength,
      @Context SecurityContext security,
      InputStream body,
      @Suspended AsyncResponse response) {
    Caller caller = (Caller) security.getUserPrincipal();
    PublishResource.requirePublisher(caller);
    int limit = settings.maxBatchBytes();
    if (contentLength != null && contentLength > limit) {
      throw EventRequest.tooLarge(limit); // refuse before reading a byte of it
    }
    List<Draft> drafts = drafts(caller, EventRequest.readLimited(body, limit));
    rates.admit(caller, drafts.size()); // every event counts, as if published one by one

    PublishResource.answerInTime(response, busSettings.publishTimeoutMillis());
    List<CompletableFuture<Published>> handed = new ArrayList<>(drafts.size());
    for (Draft draft : drafts) {
      handed.add(bus.publish(draft).toCompletableFuture());
    }
    CompletableFuture.allOf(handed.toArray(CompletableFuture[]::new))
        .whenComplete(
            (done, failure) -> {
              if (failure != null) {
                long failed = handed.stream().filter(CompletableFuture::isCompletedExceptionally).count();
                PublishFailure first = PublishFailure.of(failure);
                response.resume(
                    PublishResource.unavailable(
                        failed + " of " + handed.size() + " events could not be handed to distribution ("
                            + first.getMessage() + ") Retry the batch with the same idempotency keys to publish each once.",
                        first.correlationId()));
                return;
              }
              JsonArrayBuilder results = JSON.createArrayBuilder();
              for (CompletableFuture<Published> one : handed) {
                Published published = one.join();
                if (!published.repeated()) {
                  traffic.accepted(Traffic.Source.BATCH);
                }
                results.add(PublishResource.accepted(published).add("repeated", published.repeated()));
              }
              response.resume(
                  Response.accepted(JSON.createObjectBuilder().add("events", results).build().toString())
                      .type(MediaType.APPLICATION_JSON_TYPE)
                      .build());
            });
  }

  /** The batch as drafts, or the first thing wrong with it, named by its index. */
  List<Draft> drafts(Caller caller, byte[] body) {
    JsonValue root = EventRequest.readJson(body);
    JsonValue events = root instanceof JsonObject object ? object.get("events") : null;
    if (!(events instanceof JsonArray array) || array.isEmpty()) {
      throw new HeraldException(ErrorCode.INVALID_EVENT, "The body must be {\"events\": [ ...one or more events... ]}.");
    }
    int max = settings.maxBatchEvents();
    if (array.size() > max) {
      throw new HeraldException(
          ErrorCode.PAYLOAD_TOO_LARGE, "A batch holds at most " + max + " events; this one has " + array.size() + ".");
    }
    List<Draft> drafts = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      try {
        drafts.add(draft(caller, array.get(i)));
      } catch (HeraldException e) {
        throw new HeraldException(e.code(), "events[" + i + "]: " + e.getMessage());
      }
    }
    return drafts;
  }

  private Draft draft(Caller caller, JsonValue value) {
    if (!(value instanceof JsonObject event)) {
      throw new HeraldException(ErrorCode.INVALID_EVENT, "each event must be a JSON object.");
    }
    if (event.toString().length() > settings.maxBodyBytes()) {
      throw EventRequest.tooLarge(settings.maxBodyBytes()); // the same bound as one event alone
    }
    JsonValue channel = event.get("channel");
    if (!(channel instanceof JsonString name)) {
      throw new HeraldException(ErrorCode.INVALID_CHANNEL, "\"channel\" (a string) is required.");
    }
    JsonValue key = event.get("idempotencyKey");
    String idempotencyKey = null;
    if (key instanceof JsonString text) {
      idempotencyKey = text.getString();
    } else if (key != null) {
      throw new HeraldException(ErrorCode.INVALID_IDEMPOTENCY_KEY, "\"idempotencyKey\" must be a string.");
    }
    ChannelName target = channels.parse(name.getString());
    access.checkServerPublish(caller, target);
    return new Draft(
        target.value(),
        EventNames.validate(event.get("event")),
        event.getOrDefault("data", JsonValue.NULL),
        caller.subject(),
        caller.tenant(),
        null,
        PublishResource.idempotencyKey(idempotencyKey, busSettings));
  }
}
