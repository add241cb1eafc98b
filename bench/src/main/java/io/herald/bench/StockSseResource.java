package io.herald.bench;

import io.herald.bus.Envelope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseBroadcaster;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The standard API's way to fan out SSE, for the benchmark only (never in herald.war; StockSseWar
 * adds it to a copy): one JAX-RS {@link SseBroadcaster} per channel, stock Jersey as Payara ships
 * it, fed by Herald's own bus (the same publish API, bus and broker as Herald's SSE), writing the
 * same envelope with the same event name and id. Only the last step, the writing, differs.
 */
@Path("bench/stock-sse")
@ApplicationScoped
public class StockSseResource {
  private final Map<String, SseBroadcaster> broadcasters = new ConcurrentHashMap<>();
  private volatile Sse sse;

  @GET
  @Produces(MediaType.SERVER_SENT_EVENTS)
  public void subscribe(@QueryParam("channel") List<String> channels, @Context SseEventSink sink, @Context Sse sse) {
    this.sse = sse;
    for (String channel : channels) {
      broadcasters.computeIfAbsent(channel, c -> sse.newBroadcaster()).register(sink);
    }
    // the driver counts a stream subscribed at its first frame, as with Herald's connected
    sink.send(sse.newEventBuilder().name("connected").data("{\"type\":\"connected\"}").build());
  }

  /** Every event the bus delivers on this instance, on the bus's own ordered thread, as Herald's fan-out gets it. */
  void deliver(@ObservesAsync Envelope envelope) {
    SseBroadcaster broadcaster = broadcasters.get(envelope.channel());
    if (broadcaster != null) {
      broadcaster.broadcast(
          sse.newEventBuilder().id(envelope.id().toString()).name(envelope.event()).mediaType(MediaType.TEXT_PLAIN_TYPE).data(envelope.json()).build());
    }
  }
}
