package io.herald.transport.poll;

import io.herald.transport.Client;

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
import io.herald.security.limits.Limits;
import io.herald.transport.ConnectionRegistry;
import io.herald.transport.MessageRates;
import io.herald.transport.TransportGate;
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
  @Inject io.herald.bus.EventBus bus;
  @Inject ConnectionRegistry registry;
  @Inject io.herald.history.History history;
  @Inject ConnectionCounts counts;
  @Inject PollSettings settings;
  @Inject PollSessions sessions;
  @Inject Limits limits;
  @Inject MetricRegistry metrics;
  @Context HttpServletRequest http;
  @Inject io.herald.security.limits.ClientAddresses addresses;
  @Inject io.herald.observability.Audit audit;
  @Inject io.herald.observability.Traffic traffic;

  @Resource ManagedExecutorService executor;

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public void poll(
      @QueryParam("channel") List<String> names,
      @QueryParam(ChannelAccess.SUBSCRIPTION_TOKEN) List<String> subscriptionTokens,
      @QueryParam("since") String sinceText,
      @QueryParam("timeout") String timeoutText,
      @QueryParam("session") String sessionText,
      @Context SecurityContext security,
      @Suspended AsyncResponse response) {
    Long timeoutMillis = timeout(timeoutText);
    EventId since = Positions.parse(sinceText);
    SessionRef ref = SessionRef.parse(sessionText);
    Caller caller = (Caller) security.getUserPrincipal();
    // a held poll is answered within herald.poll.timeout-ms: rights checked now hold for it, and
    // a session gets nothing between polls that the next poll's check does not pass
    Client client = new Client(addresses.of(http), http.getHeader("User-Agent"));
    Set<String> subscribed;
    try {
      subscribed = access.checkSubscribeAll(caller, names, subscriptionTokens).keySet();
    } catch (HeraldException refused) {
      audit.refused(caller, null, "poll", client, String.join(",", names), refused.code().name());
      throw refused;
    }
    long hold = timeoutMillis == null ? settings.timeoutMillis() : Math.min(timeoutMillis, settings.timeoutMillis());
    PollSession session = ref == null ? null : sessions.find(ref.id(), caller, subscribed);
    if (session == null || !resume(session, ref.answers(), since, caller, hold, response)) {
      start(caller, client, subscribed, since, hold, ref, response);
    }
  }

  /** A new poll session, or a single poll without one ({@code ref} null). */
  private void start(
      Caller caller, Client client, Set<String> subscribed, EventId since, long hold, SessionRef ref, AsyncResponse response) {
    if (bus.behind()) {
      // a new session waits until the history is complete (jms.md, "Subscriptions"); sessions
      // already open go on polling, as other transports' open connections go on
      throw TransportGate.retryLater("This instance is catching up with the broker; poll again in a moment.");
    }
    if (!history.canAnswer(caller.tenant(), since)) {
      throw TransportGate.retryLater(TransportGate.NOT_YET);
    }
    boolean kept = ref != null;
    ConnectionCounts.Slot slot = counts.admit(caller.tenant(), caller.subject(), client.address());
    PollSession session =
        new PollSession(
            UUID.randomUUID().toString(),
            caller,
            kept,
            subscribed,
            executor,
            settings.maxEvents(),
            settings.queueSize(),
            kept ? new MessageRates(limits.messageBucket(), limits.presenceBucket(), limits.refusalBucket()) : null,
            traffic);
    PollSession.Poll poll =
        new PollSession.Poll(
            answer -> {
              if (!kept) {
                registry.close(session, "answered");
                slot.release();
              }
              response.resume(respond(answer, kept ? session.id() : null));
            });
    session.hold(poll, caller);
    try {
      registry.open(session, client);
      if (kept) {
        sessions.add(session, slot);
      }
      Replay replay = registry.subscribe(session, subscribed, since, Integer.MAX_VALUE, owed -> session.owed(owed, since));
      if (since != null) {
        recovered("poll", replay.recovered());
      }
    } catch (RuntimeException e) {
      // a poll that never got going leaves nothing registered or counted; its error is the answer
      session.closeNow();
      if (kept) {
        sessions.close(session, "error");
      } else {
        registry.close(session, "error");
        slot.release();
      }
      throw e;
    }
    if (kept) {
      sessions.replaced(ref.id(), caller); // after the new one joined: the member does not flicker
    }
    wait(session, poll, hold, response);
  }

  /**
   * The next poll of a session: takes what it queued since the last, or resyncs first. False if
   * the session closed meanwhile (the poll then starts a new one).
   */
  private boolean resume(PollSession session, long answers, EventId since, Caller caller, long hold, AsyncResponse response) {
    PollSession.Poll poll = new PollSession.Poll(answer -> response.resume(respond(answer, session.id())));
    PollSession.Poll replaced;
    try {
      replaced = session.hold(poll, caller);
    } catch (IllegalStateException closed) {
      return false;
    }
    if (replaced != null) {
      session.dismiss(replaced);
    }
    try {
      if (session.needsResync(answers)) {
        // a lost answer resyncs from where the client is; a full queue from where its last answer ended
        boolean lost = session.lostAnswer(answers);
        EventId from = lost ? (since != null ? since : session.startFor(answers)) : session.answered();
        if (lost && from == null) {
          throw new HeraldException(ErrorCode.INVALID_REQUEST, "A session's poll after its first answer gives since: the position of the last answer.");
        }
        registry.resync(session, from, owed -> session.owed(owed, from));
        metrics.counter("herald.poll.resyncs", new Tag("reason", lost ? "lost_answer" : "queue_full")).inc();
      }
    } catch (RuntimeException e) {
      session.release(poll); // answered by the error; the session waits for the next poll
      throw e;
    }
    wait(session, poll, hold, response);
    return true;
  }

  /** Holds the poll until there is something for it, at most {@code hold} ms; armed only now. */
  private void wait(PollSession session, PollSession.Poll poll, long hold, AsyncResponse response) {
    // the handler before the timer, so that a short hold is never answered 503 by JAX-RS itself;
    // a hold that runs out before the poll is armed is answered when it is (PollSession.answer)
    response.setTimeoutHandler(r -> session.answer(poll));
    session.arm(poll, hold == 0);
    if (hold > 0 && !response.isDone()) {
      try {
        response.setTimeout(hold, TimeUnit.MILLISECONDS);
      } catch (IllegalStateException answered) {
        // answered in between: nothing left to time
      }
    }
  }

  private void recovered(String transport, boolean recovered) {
    metrics
        .counter("herald.recoveries", new Tag("transport", transport), new Tag("recovered", String.valueOf(recovered)))
        .inc();
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

  private static Response respond(PollSession.Answer answer, String session) {
    JsonObjectBuilder fields = JSON.createObjectBuilder().add("position", answer.position().toString());
    if (session != null) {
      fields.add("session", new SessionRef(session, answer.answers()).toString()).add("connectionId", session);
    }
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
