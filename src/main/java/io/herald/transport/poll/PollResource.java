package io.herald.transport.poll;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.api.JsonProviders;
import io.herald.bus.EventId;
import io.herald.history.Positions;
import io.herald.history.Replay;
import io.herald.security.Caller;
import io.herald.security.ChannelAccess;
import io.herald.security.QueryToken;
import io.herald.security.Secured;
import io.herald.security.limits.ConnectionCounts;
import io.herald.transport.ConnectionRegistry;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObjectBuilder;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * {@code GET /api/realtime/poll}: long-polling, for networks where neither WebSocket nor SSE gets
 * through. Positions are the same as on the other transports, so a client can switch to and from
 * it mid-stream without loss.
 */
@Path("realtime/poll")
@Secured
@QueryToken
@RequestScoped
public class PollResource {
  @Inject ChannelAccess access;
  @Inject ConnectionRegistry registry;
  @Inject ConnectionCounts counts;
  @Inject PollSettings settings;
  @Inject MetricRegistry metrics;
  @Context HttpServletRequest http;

  @Resource ManagedExecutorService executor;

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public void poll(
      @QueryParam("channel") List<String> names,
      @QueryParam(ChannelAccess.SUBSCRIPTION_TOKEN) List<String> subscriptionTokens,
      @QueryParam("since") String sinceText,
      @QueryParam("timeout") String timeoutText,
      @Context SecurityContext security,
      @Suspended AsyncResponse response) {
    Long timeoutMillis = timeout(timeoutText);
    EventId since = Positions.parse(sinceText);
    Caller caller = (Caller) security.getUserPrincipal();
    // a held poll is answered within herald.poll.timeout-ms: rights checked now hold for it
    Set<String> subscribed = access.checkSubscribeAll(caller, names, subscriptionTokens).keySet();
    ConnectionCounts.Slot slot = counts.admit(caller.tenant(), caller.subject(), http.getRemoteAddr());
    long hold = timeoutMillis == null ? settings.timeoutMillis() : Math.min(timeoutMillis, settings.timeoutMillis());
    PollWaiter[] self = new PollWaiter[1];
    PollWaiter waiter =
        new PollWaiter(
            UUID.randomUUID().toString(),
            caller,
            subscribed,
            executor,
            settings.maxEvents(),
            answer -> {
              registry.close(self[0]);
              slot.release();
              response.resume(respond(answer));
            });
    self[0] = waiter;
    try {
      registry.open(waiter);
      Replay replay = registry.subscribe(waiter, subscribed, since, Integer.MAX_VALUE, owed -> waiter.owed(owed, since));
      if (since != null) {
        metrics
            .counter("herald.recoveries", new Tag("transport", "poll"), new Tag("recovered", String.valueOf(replay.recovered())))
            .inc();
      }
      // The hold starts once the waiter is subscribed; before that it has nothing to answer with.
      if (hold > 0) {
        response.setTimeout(hold, TimeUnit.MILLISECONDS);
        response.setTimeoutHandler(r -> waiter.answer());
      }
      waiter.arm(hold == 0);
    } catch (RuntimeException e) {
      registry.close(waiter); // a poll that never got going leaves nothing registered or counted
      slot.release();
      throw e;
    }
  }

  /** The hold asked for; read here, not by JAX-RS, which answers a malformed number with 404. */
  private static Long timeout(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    try {
      long millis = Long.parseLong(text);
      if (millis >= 0) {
        return millis;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new HeraldException(ErrorCode.INVALID_REQUEST, "timeout is in milliseconds, 0 or more.");
  }

  private static Response respond(PollWaiter.Answer answer) {
    JsonObjectBuilder fields = JSON.createObjectBuilder().add("position", answer.position().toString());
    if (answer.recovered() != null) {
      fields.add("recovered", answer.recovered());
    }
    if (answer.more()) {
      fields.add("more", true);
    }
    CacheControl noStore = new CacheControl();
    noStore.setNoStore(true);
    return Response.ok(JsonProviders.withArray("events", answer.messages(), fields.build()), MediaType.APPLICATION_JSON_TYPE)
        .cacheControl(noStore)
        .build();
  }
}
