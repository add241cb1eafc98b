package io.herald.observability;

import static io.herald.api.JsonProviders.JSON;

import io.herald.bus.InstanceIdentity;
import io.herald.transport.ConnectionRegistry;
import io.herald.transport.Transport;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** {@code GET /api/realtime/status}: open connection counts, instance id, uptime. No token needed. */
@Path("realtime/status")
@RequestScoped
public class StatusResource {
  @Inject ConnectionRegistry registry;
  @Inject InstanceIdentity instance;

  @GET
  @Produces(MediaType.APPLICATION_JSON)
  public String status() {
    JsonObjectBuilder connections = JSON.createObjectBuilder();
    Map<Transport, Integer> counts = registry.countByTransport();
    int total = 0;
    for (Map.Entry<Transport, Integer> e : counts.entrySet()) {
      connections.add(e.getKey().label(), e.getValue());
      total += e.getValue();
    }
    connections.add("total", total);
    return JSON.createObjectBuilder()
        .add("instanceId", instance.id())
        .add("startedAt", instance.startedAt().toString())
        .add("uptimeSeconds", Duration.between(instance.startedAt(), Instant.now()).toSeconds())
        .add("connections", connections)
        .build()
        .toString();
  }
}
