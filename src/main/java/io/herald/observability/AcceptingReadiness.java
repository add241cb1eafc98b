package io.herald.observability;

import io.herald.transport.Drain;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness DOWN while the instance is stopping ({@link Drain}): a load balancer with health
 * checks sends new clients to the other instances before this one goes.
 */
@Readiness
@ApplicationScoped
public class AcceptingReadiness implements HealthCheck {
  @Inject Drain drain;

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("accepting").status(!drain.draining()).build();
  }
}
