package io.herald.observability;

import io.herald.bus.EventBus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /health/ready}: DOWN while distribution cannot publish and receive, so a load balancer
 * sends new clients to instances that can reach the broker, and while the instance is still
 * taking in what the broker kept for it ({@link EventBus#behind}). Liveness is not affected: the
 * instance is fine and reconnects by itself.
 */
@Readiness
@ApplicationScoped
public class BrokerReadiness implements HealthCheck {
  @Inject EventBus bus;

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("broker").status(bus.connected() && !bus.behind()).build();
  }
}
