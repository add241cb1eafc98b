package io.herald.distribution;

import io.herald.bus.Broker;
import io.herald.bus.InstanceIdentity;
import io.herald.channel.Channels;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.metrics.MetricRegistry;

/**
 * Chooses the {@link Broker}: JMS (embedded Artemis, or the external broker at
 * {@code herald.broker.url}) unless {@code herald.broker.type=local} asks for a single instance
 * with no broker at all.
 *
 * <p>The broker is the bus's own ({@link Dependent}): only the bus uses it, and it is closed right
 * after the bus has stopped, in the order the bus needs (stop receiving, drain, leave).
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

  @Resource ManagedScheduledExecutorService scheduler;
  @Resource ManagedThreadFactory threadFactory;

  @Produces
  @Dependent
  Broker broker() {
    if ("local".equalsIgnoreCase(type)) {
      return new LocalBroker();
    }
    return new JmsBroker(settings, instance, channels, metrics, scheduler, threadFactory);
  }

  void close(@Disposes Broker broker) {
    broker.close();
  }
}
