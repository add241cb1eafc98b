package io.herald.distribution;

import io.herald.bus.Broker;
import io.herald.bus.InstanceIdentity;
import io.herald.channel.Channels;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.util.UUID;
import org.eclipse.microprofile.metrics.MetricRegistry;

/**
 * Chooses the {@link Broker} ({@code herald.broker.type}): {@code jms} (the default) through the
 * bundled Artemis client, to embedded Artemis or the external broker at {@code herald.broker.url};
 * {@code jndi} through the app server's own JMS resources; {@code local} for a single instance
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


  @Inject Channels channels;

  @Inject io.herald.runtime.Timers scheduler;
  @Resource ManagedThreadFactory threadFactory;

  @Produces
  @Dependent
  Broker broker() {
    if (settings.type() == JmsSettings.Type.LOCAL) {
      return new LocalBroker();
    }
    return new JmsBroker(source(), settings, instance, channels, metrics, scheduler.executor(), threadFactory);
  }

  private JmsSource source() {
    if (settings.type() == JmsSettings.Type.JNDI) {
      return new ContainerSource(settings);
    }
    boolean embedded = settings.url().isEmpty();
    // Herald's own login; on the embedded broker, drawn at random for this run unless configured
    return new ArtemisSource(
        settings,
        settings.user().orElse(embedded ? "herald" : null),
        settings.password().orElse(embedded ? UUID.randomUUID().toString() : null),
        scheduler.executor());
  }

  void close(@Disposes Broker broker) {
    broker.close();
  }
}
