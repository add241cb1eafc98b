package io.herald.history;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.Envelope;
import io.herald.bus.EventId;
import io.herald.channel.ChannelName;
import io.herald.channel.Channels;
import io.herald.security.Caller;
import io.herald.security.ChannelAccess;
import io.herald.security.QueryToken;
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
 * rules as subscribing to it.
 */
@Path("channels/{channel}/history")
@Secured
@QueryToken
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
      @QueryParam("limit") Integer limitParam,
      @QueryParam("subscription_token") List<String> subscriptionTokens,
      @Context SecurityContext security) {
    Caller caller = (Caller) security.getUserPrincipal();
    ChannelName channel = channels.parse(name);
    access.checkSubscribe(caller, channel, subscriptionTokens);
    int limit = limitParam == null ? 100 : limitParam;
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new HeraldException(ErrorCode.INVALID_REQUEST, "limit is 1 to " + MAX_LIMIT + ".");
    }
    EventId since = Positions.parse(sinceText);
    List<Envelope> events;
    JsonObjectBuilder tail = JSON.createObjectBuilder();
    boolean more = false;
    boolean recovered = true;
    if (since == null) {
      events = history.latest(caller.tenant(), channel.value(), limit);
    } else {
      Replay replay = history.after(caller.tenant(), List.of(channel.value()), since);
      recovered = replay.recovered();
      tail.add("recovered", recovered);
      events = replay.events();
      more = events.size() > limit;
      events = more ? events.subList(0, limit) : events;
    }
    tail.add("more", more);
    EventId position;
    if (!events.isEmpty()) {
      position = events.get(events.size() - 1).id();
    } else if (since != null && !recovered) {
      position = history.head(caller.tenant()); // the window is exceeded: start again from now
    } else {
      position = since != null ? since : history.head(caller.tenant());
    }
    tail.add("position", position.toString());
    // the events' shared JSON is joined as it is, never re-serialized
    StringBuilder body = new StringBuilder("{\"channel\":\"").append(channel.value()).append("\",\"events\":[");
    for (int i = 0; i < events.size(); i++) {
      body.append(i == 0 ? "" : ",").append(events.get(i).json());
    }
    String rest = tail.build().toString();
    return body.append("],").append(rest, 1, rest.length()).toString();
  }
}
