package io.herald.transport.route;

import io.herald.security.Caller;
import io.herald.security.Secured;
import io.herald.transport.Connection;
import io.herald.transport.ConnectionRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

/**
 * {@code POST /api/realtime/connections/{connectionId}/messages}: the client messages a WebSocket
 * sends (publish, typing, presence), for a client that has no WebSocket: an SSE stream or a
 * long-poll session names itself by its connection id. Same rules as on a WebSocket, handled by
 * the same code; the answer is the {@code ok} reply, or the error with its HTTP status
 * (docs/protocol.md, "Sending without a WebSocket"). Behind a load balancer the POST may reach
 * another instance than the stream: it is then handled by the instance that holds the connection
 * ({@link RemoteRoute}), with the same answer.
 */
@Path("realtime/connections/{connectionId}/messages")
@Secured
@ApplicationScoped
public class MessageResource {
  @Inject ConnectionRegistry registry;
  @Inject LocalRoute local;
  @Inject RemoteRoute remote;

  @POST
  @Consumes(MediaType.WILDCARD)
  @Produces(MediaType.APPLICATION_JSON)
  public void send(
      @PathParam("connectionId") String connectionId,
      String body,
      @Context SecurityContext security,
      @Suspended AsyncResponse response) {
    Caller caller = (Caller) security.getUserPrincipal();
    Connection connection = registry.find(connectionId);
    (connection != null
            ? local.handle(connection, caller.tenant(), caller.subject(), body)
            : remote.forward(connectionId, caller, body))
        .thenAccept(reply -> response.resume(respond(reply)));
  }

  private static Response respond(RouteReply reply) {
    Response.ResponseBuilder answer = Response.status(reply.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(reply.json());
    if (reply.retry()) {
      answer.header("Retry-After", "1");
    }
    return answer.build();
  }
}
