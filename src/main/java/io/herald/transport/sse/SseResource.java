package io.herald.transport.sse;

import io.herald.api.HeraldException;
import io.herald.observability.Audit;
import io.herald.transport.Client;

import io.herald.bus.EventId;
import io.herald.history.Positions;
import io.herald.security.Caller;
import io.herald.security.ChannelAccess;
import io.herald.security.QueryToken;
import io.herald.security.Secured;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@code GET /api/realtime/stream}: Server-Sent Events for one or more channels. */
@Path("realtime/stream")
@Secured
@QueryToken
@RequestScoped
public class SseResource {
  static final String LAST_EVENT_ID = "Last-Event-ID";

  @Inject SseStreams streams;
  @Inject ChannelAccess access;
  @Inject io.herald.security.limits.ConnectionCounts counts;
  @Context jakarta.servlet.http.HttpServletRequest http;
  @Inject io.herald.security.limits.ClientAddresses addresses;
  @Inject Audit audit;
  @Inject io.herald.history.History history;

  @GET
  @Produces(MediaType.SERVER_SENT_EVENTS)
  public void stream(
      @QueryParam("channel") List<String> names,
      @QueryParam(ChannelAccess.SUBSCRIPTION_TOKEN) List<String> subscriptionTokens,
      @HeaderParam(LAST_EVENT_ID) String lastEventIdHeader,
      @QueryParam("lastEventId") String lastEventId,
      @QueryParam("format") String format,
      @QueryParam("heartbeat") String heartbeat,
      @Context SecurityContext security,
      @Context SseEventSink sink,
      @Context Sse sse) {
    open(names, subscriptionTokens, position(lastEventIdHeader, lastEventId), SseForm.of(format, heartbeat), security, sink, sse);
  }

  @GET
  @Path("channel/{channel}")
  @Produces(MediaType.SERVER_SENT_EVENTS)
  public void streamOne(
      @PathParam("channel") String name,
      @QueryParam(ChannelAccess.SUBSCRIPTION_TOKEN) List<String> subscriptionTokens,
      @HeaderParam(LAST_EVENT_ID) String lastEventIdHeader,
      @QueryParam("lastEventId") String lastEventId,
      @QueryParam("format") String format,
      @QueryParam("heartbeat") String heartbeat,
      @Context SecurityContext security,
      @Context SseEventSink sink,
      @Context Sse sse) {
    open(List.of(name), subscriptionTokens, position(lastEventIdHeader, lastEventId), SseForm.of(format, heartbeat), security, sink, sse);
  }

  /**
   * Where to resume: the header a browser sends on its own when it reconnects wins over the query
   * parameter, which is what the page asked for when it first connected.
   */
  private static EventId position(String header, String query) {
    return Positions.parse(header != null && !header.isEmpty() ? header : query);
  }

  private void open(
      List<String> names,
      List<String> subscriptionTokens,
      EventId since,
      SseForm form,
      SecurityContext security,
      SseEventSink sink,
      Sse sse) {
    Caller caller = (Caller) security.getUserPrincipal();
    String address = addresses.of(http);
    Client client = new Client(address, http.getHeader("User-Agent"));
    Map<String, Instant> subscribed;
    try {
      subscribed = access.checkSubscribeAll(caller, names, subscriptionTokens);
    } catch (HeraldException refused) {
      audit.refused(caller, null, "sse", client, String.join(",", names), refused.code().name());
      throw refused;
    }
    if (!history.canAnswer(caller.tenant(), since)) {
      throw io.herald.transport.TransportGate.retryLater(io.herald.transport.TransportGate.NOT_YET);
    }
    // given back when the stream ends, or here if it never starts
    io.herald.security.limits.ConnectionCounts.Slot slot = counts.admit(caller.tenant(), caller.subject(), address);
    try {
      // the servlet stream, for the frames after the first (SseConnection, SseResponse)
      SseResponse.Output out = (SseResponse.Output) http.getAttribute(SseResponse.ATTRIBUTE);
      streams.open(caller, client, slot, subscribed, since, sink, sse, out, form);
    } catch (RuntimeException e) {
      slot.release();
      throw e;
    }
  }
}
