package io.herald.transport;

import io.herald.api.ErrorBody;
import io.herald.api.ErrorCode;
import io.herald.bus.EventBus;
import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.stream.Collectors;

/**
 * Transports on and off per deployment ({@link TransportSettings}), for sites whose policy forbids
 * one: a request for a transport that is off is answered 404 {@code TRANSPORT_DISABLED} before any
 * upgrade or stream starts, so that a client falls back to the next (herald.js does after its
 * usual failures). While the instance is stopping ({@link Drain}) or behind the broker
 * ({@link EventBus#behind}), new connections are refused with 503 {@code UNAVAILABLE}.
 */
// async: SSE streams and long-polls are asynchronous requests, which only async filters may pass
@WebFilter(
    urlPatterns = {"/ws", "/ws/*", "/api/realtime/stream", "/api/realtime/stream/*", "/api/realtime/poll"},
    asyncSupported = true)
public class TransportGate extends HttpFilter {
  @Inject TransportSettings settings;
  @Inject Drain drain;
  @Inject EventBus bus;

  /**
   * What a resume from a position this instance cannot answer yet is told ({@link
   * io.herald.history.History#canAnswer}): 503 {@code UNAVAILABLE}, or WebSocket close 1013.
   */
  public static final String NOT_YET =
      "This instance has yet to receive the events up to that position (it is away from or behind the broker); connect again in a moment, here or to another instance.";

  /** A 503 {@code UNAVAILABLE} with {@code Retry-After: 1}, for JAX-RS resources to throw. */
  public static jakarta.ws.rs.WebApplicationException retryLater(String message) {
    return new jakarta.ws.rs.WebApplicationException(
        jakarta.ws.rs.core.Response.fromResponse(ErrorBody.response(ErrorCode.UNAVAILABLE, message)).header("Retry-After", "1").build());
  }

  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
    Transport asked = path.startsWith("/ws") ? Transport.WEBSOCKET : path.startsWith("/api/realtime/poll") ? Transport.POLL : Transport.SSE;
    if (drain.draining()) {
      // stopping: new connections belong on another instance (readiness says so too)
      response.setHeader("Retry-After", "1");
      ErrorBody.write(response, ErrorCode.UNAVAILABLE, "This instance is stopping; connect again (to another instance).");
      return;
    }
    if (asked != Transport.POLL && bus.behind()) { // a poll: PollResource, which knows new sessions from open ones
      // starting, or back on the broker: its history is not complete until the backlog is in, and
      // a client resumed now would get that backlog as live events (readiness is DOWN too)
      response.setHeader("Retry-After", "1");
      ErrorBody.write(response, ErrorCode.UNAVAILABLE, "This instance is catching up with the broker; connect again in a moment.");
      return;
    }
    if (settings.enabled().contains(asked)) {
      chain.doFilter(request, response);
      return;
    }
    ErrorBody.write(response, ErrorCode.TRANSPORT_DISABLED,
        asked.label() + " is turned off on this server (herald.transports="
            + settings.enabled().stream().map(Transport::label).collect(Collectors.joining(",")) + "); use another transport.");
  }
}
