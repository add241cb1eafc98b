package io.herald.presence;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.channel.ChannelName;
import io.herald.channel.Channels;
import io.herald.security.Caller;
import io.herald.security.ChannelAccess;
import io.herald.security.Secured;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;

/**
 * {@code GET /api/channels/{channel}/presence}: who is in a channel now, and how many are online,
 * without subscribing; under the same rules as subscribing (docs/protocol.md, "Presence").
 */
@Path("channels/{channel}/presence")
@Secured
@RequestScoped
public class PresenceResource {
  @Inject Presence presence;
  @Inject Channels channels;
  @Inject ChannelAccess access;

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public Response read(
      @PathParam("channel") String name,
      @QueryParam(ChannelAccess.SUBSCRIPTION_TOKEN) List<String> subscriptionTokens,
      @Context SecurityContext security) {
    Caller caller = (Caller) security.getUserPrincipal();
    ChannelName channel = channels.parse(name);
    access.checkSubscribe(caller, channel, subscriptionTokens);
    if (!presence.enabled(channel.value())) {
      throw new HeraldException(
          ErrorCode.NOT_FOUND,
          "'" + channel.namespace() + "' keeps no member lists (herald.namespace." + channel.namespace() + ".presence).");
    }
    CacheControl noStore = new CacheControl();
    noStore.setNoStore(true);
    return Response.ok(presence.list(caller.tenant(), channel.value()), MediaType.APPLICATION_JSON_TYPE)
        .cacheControl(noStore)
        .build();
  }
}
