package io.herald.observability;

import io.herald.bus.EventBus;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /health/ready}: the bus's depth and bound, always; DOWN when the bus has been full at
 * every check for {@code herald.health.bus-full-ms}: then the instance is not catching up (its
 * delivery is stuck or far too slow) and refuses publishes, and a load balancer had better send
 * new clients elsewhere. A burst that fills the bus for a moment does not count: every instance
 * receives every event, so a burst fills them all at once, and taking them all out of the
 * balancer together would leave new clients nowhere to go.
 */
@Readiness
@ApplicationScoped
public class BusReadiness implements HealthCheck {
  @Inject EventBus bus;

  @Inject
  @ConfigProperty(name = "herald.health.bus-full-ms", defaultValue = "10000")
  long fullMillis;

  private FullFor full;

  @PostConstruct
  void start() {
    full = new FullFor(fullMillis);
  }

  @Override
  public HealthCheckResponse call() {
    int depth = bus.depth();
    int capacity = bus.capacity();
    boolean stuck = full.stuck(depth >= capacity, System.currentTimeMillis());
    return HealthCheckResponse.named("bus").status(!stuck).withData("depth", depth).withData("capacity", capacity).build();
  }
}
