package io.herald.history;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.api.JsonProviders;
import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.channel.ChannelName;
import io.herald.channel.Channels;
import io.herald.security.Caller;
import io.herald.security.ChannelAccess;
import io.herald.security.Secured;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;

/**
 * {@code GET /api/channels/{channel}/history}: a channel's kept events, under the same access
 * rules as subscribing to it. A plain request any client can send with a header: no
 * {@code access_token} in the URL here.
 */
@Path("channels/{channel}/history")
@Secured
@RequestScoped
public class HistoryResource {
  static final int MAX_LIMIT = 1000;

  @Inject History history;
  @Inject Channels channels;
  @Inject ChannelAccess access;

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public String read(
      @PathParam("channel") String name,
      @QueryParam("since") String sinceText,
      @QueryParam("limit") String limitText,
      @QueryParam(ChannelAccess.SUBSCRIPTION_TOKEN) List<String> subscriptionTokens,
      @Context SecurityContext security) {
    Caller caller = (Caller) security.getUserPrincipal();
    ChannelName channel = channels.parse(name);
    access.checkSubscribe(caller, channel, subscriptionTokens);
    int limit = limit(limitText);
    EventId since = Positions.parse(sinceText);
    JsonObjectBuilder fields = JSON.createObjectBuilder().add("channel", channel.value());
    List<Envelope> events;
    boolean more = false;
    EventId position;
    if (since == null) {
      events = history.latest(caller.tenant(), channel.value(), limit);
      position = events.isEmpty() ? history.head(caller.tenant()) : events.get(events.size() - 1).id();
    } else {
      Replay replay = history.after(caller.tenant(), List.of(channel.value()), since);
      fields.add("recovered", replay.recovered());
      events = replay.events();
      more = events.size() > limit;
      events = more ? events.subList(0, limit) : events;
      // within the window: after the last event returned (or still at since); past it: from now
      position = !events.isEmpty() ? events.get(events.size() - 1).id() : replay.recovered() ? since : replay.position();
    }
    fields.add("more", more).add("position", position.toString());
    return JsonProviders.withArray("events", events.stream().map(Envelope::json).toList(), fields.build());
  }

  /** Read here, not by JAX-RS, which answers a malformed number with 404. */
  private static int limit(String text) {
    if (text == null || text.isEmpty()) {
      return 100;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new HeraldException(ErrorCode.INVALID_REQUEST, "limit is 1 to " + MAX_LIMIT + ".");
  }
}
