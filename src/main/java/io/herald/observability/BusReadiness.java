package io.herald.observability;

import io.herald.bus.EventBus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /health/ready}: DOWN while the bus is full ({@code herald.bus.queue-size}): then this
 * instance refuses publishes (503) and leaves events in the broker, so a load balancer had better
 * send new clients elsewhere until it has caught up. The depth is in the check's data either way.
 */
@Readiness
@ApplicationScoped
public class BusReadiness implements HealthCheck {
  @Inject EventBus bus;

  @Override
  public HealthCheckResponse call() {
    int depth = bus.depth();
    int capacity = bus.capacity();
    return HealthCheckResponse.named("bus").status(depth < capacity).withData("depth", depth).withData("capacity", capacity).build();
  }
}
