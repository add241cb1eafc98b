package io.herald.distribution;

import io.herald.bus.InstanceIdentity;
import io.herald.channel.Channels;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.util.concurrent.Executors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.metrics.MetricRegistry;

/**
 * Chooses the {@link Broker}: JMS (embedded Artemis, or the external broker at
 * {@code herald.broker.url}) unless {@code herald.broker.type=local} asks for a single instance
 * with no broker at all.
 */
@ApplicationScoped
public class Brokers {
  @Inject JmsSettings settings;
  @Inject InstanceIdentity instance;
  @Inject MetricRegistry metrics;

  @Inject
  @ConfigProperty(name = "herald.broker.type", defaultValue = "jms")
  String type;

  @Inject Channels channels;

  @Inject
  @ConfigProperty(name = "herald.security.default-tenant")
  java.util.Optional<String> defaultTenant;

  @Resource ManagedScheduledExecutorService scheduler;
  @Resource ManagedThreadFactory threadFactory;

  @Produces
  @ApplicationScoped
  Broker broker() {
    if ("local".equalsIgnoreCase(type)) {
      return new LocalBroker();
    }
    // One sender thread: JMS sessions are single-threaded, and it keeps publish order.
    return new JmsBroker(
        settings,
        instance,
        channels,
        defaultTenant.filter(t -> !t.isBlank()).orElse(null),
        metrics,
        scheduler,
        Executors.newSingleThreadExecutor(threadFactory));
  }

  void close(@Disposes Broker broker) {
    if (broker instanceof JmsBroker jms) {
      jms.stop();
    }
  }
}
