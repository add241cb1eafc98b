package io.herald.distribution;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Logger;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.CoreAddressConfiguration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.activemq.artemis.spi.core.security.jaas.InVMLoginModule;
import org.apache.activemq.artemis.core.config.impl.SecurityConfiguration;

/**
 * The broker Herald runs inside itself when no {@code herald.broker.url} is set: in-VM for this
 * instance, and on {@code herald.broker.embedded.port} over TCP when configured, for local
 * producers and a second local instance. Memory only: it lives and dies with the app.
 *
 * <p>It is a trust boundary like any broker (docs/jms.md, "Broker roles"): every connection logs
 * in, in-VM too. Herald's own user may use the internal topic, take the ingress subscription and
 * dead-letter; the producers' user may only send to the ingress topic. Nothing else is allowed to
 * anyone, and the cluster user's default password, which would bypass every check, is replaced.
 */
final class EmbeddedArtemis {
  private static final Logger LOG = Logger.getLogger(EmbeddedArtemis.class.getName());
  static final String IN_VM_URL = "vm://0";

  /** The producers' password of the running broker (one per JVM: the in-VM acceptor is number 0). */
  static volatile String producerPassword;
  static final String HERALD_ROLE = "herald";
  static final String PRODUCER_ROLE = "producer";

  private final EmbeddedActiveMQ server = new EmbeddedActiveMQ();
  /** Where addresses past the global size limit page to: this run's own, removed at stop. */
  private final Path paging = Path.of(System.getProperty("java.io.tmpdir"), "herald-embedded-" + UUID.randomUUID());

  /**
   * @param heraldUser Herald's own login (the in-VM connection uses it too)
   * @param heraldPassword its password: configured, or drawn at random for this run
   */
  void start(JmsSettings settings, String heraldUser, String heraldPassword) throws Exception {
    SecurityConfiguration users = new SecurityConfiguration();
    users.addUser(heraldUser, heraldPassword);
    users.addRole(heraldUser, HERALD_ROLE);
    String producerPassword = settings.embeddedProducerPassword().orElseGet(() -> UUID.randomUUID().toString());
    EmbeddedArtemis.producerPassword = producerPassword;
    users.addUser(settings.embeddedProducerUser(), producerPassword);
    users.addRole(settings.embeddedProducerUser(), PRODUCER_ROLE);

    ConfigurationImpl config = new ConfigurationImpl();
    config
        .setName("herald-embedded")
        .setPersistenceEnabled(false)
        .setSecurityEnabled(true)
        .setJMXManagementEnabled(false)
        // Memory only; past the global size limit addresses page, into a folder of their own
        .setPagingDirectory(paging.toString())
        .addAcceptorConfiguration("in-vm", IN_VM_URL);
    config.setClusterPassword(UUID.randomUUID().toString());
    if (settings.embeddedPort().isPresent()) {
      config.addAcceptorConfiguration(
          "tcp",
          // Core only: the WAR carries no other protocol module (an external broker speaks them all)
          "tcp://" + settings.embeddedHost() + ":" + settings.embeddedPort().get() + "?protocols=CORE");
    }
    roles(config, settings);
    addresses(config, settings);
    server.setConfiguration(config);
    server.setSecurityManager(new ActiveMQJAASSecurityManager(InVMLoginModule.class.getName(), users));
    server.start();
    LOG.info(
        "Embedded Artemis broker started (in-VM"
            + settings.embeddedPort().map(p -> ", tcp://" + settings.embeddedHost() + ":" + p).orElse("")
            + ")");
    if (settings.embeddedPort().isPresent() && settings.embeddedProducerPassword().isEmpty()) {
      // once, at start: the way for local producers to log in, until ops set their own
      LOG.warning(
          "Embedded broker: producers log in as '" + settings.embeddedProducerUser() + "' with the password '"
              + producerPassword + "', drawn at random for this run; set HERALD_BROKER_EMBEDDED_PRODUCER_PASSWORD"
              + " to choose one (docs/jms.md)");
    }
  }

  /** What each role may do, address by address; nothing anywhere else. */
  private static void roles(ConfigurationImpl config, JmsSettings settings) {
    config.putSecurityRoles("#", new HashSet<>());
    // Role(name, send, consume, createDurableQueue, deleteDurableQueue, createNonDurableQueue,
    //      deleteNonDurableQueue, manage, browse, createAddress, deleteAddress, view, edit)
    config.putSecurityRoles(
        settings.internalTopic(),
        Set.of(new Role(HERALD_ROLE, true, true, true, true, true, true, false, false, true, true, false, false)));
    config.putSecurityRoles(
        settings.topic(),
        Set.of(
            new Role(HERALD_ROLE, false, true, true, false, false, false, false, false, false, false, false, false),
            new Role(PRODUCER_ROLE, true, false, false, false, false, false, false, false, true, false, false, false)));
    config.putSecurityRoles(
        settings.deadLetterAddress(),
        Set.of(new Role(HERALD_ROLE, true, false, true, false, false, false, false, false, true, false, false, false)));
  }

  /**
   * The ingress topic with its subscription, exclusive (one consumer at a time keeps a producer's
   * order), and the dead-letter queue, exist from the start: producers' messages sent before
   * Herald subscribes are kept, and dead letters always have a queue to go to.
   */
  private static void addresses(ConfigurationImpl config, JmsSettings settings) {
    config.addAddressConfiguration(
        new CoreAddressConfiguration()
            .setName(settings.topic())
            .addRoutingType(RoutingType.MULTICAST)
            .addQueueConfiguration(
                QueueConfiguration.of(JmsIngress.SUBSCRIPTION)
                    .setAddress(settings.topic())
                    .setRoutingType(RoutingType.MULTICAST)
                    .setDurable(true)
                    .setExclusive(true)));
    config.addAddressConfiguration(
        new CoreAddressConfiguration()
            .setName(settings.deadLetterAddress())
            .addRoutingType(RoutingType.ANYCAST)
            .addQueueConfiguration(
                QueueConfiguration.of(settings.deadLetterAddress())
                    .setAddress(settings.deadLetterAddress())
                    .setRoutingType(RoutingType.ANYCAST)
                    .setDurable(true)));
    // Poison goes where ops can find it; expired messages simply go.
    config.addAddressSetting(
        "#",
        new AddressSettings()
            .setAutoCreateAddresses(true)
            .setAutoCreateQueues(true)
            .setAddressFullMessagePolicy(AddressFullMessagePolicy.PAGE)
            .setDeadLetterAddress(SimpleString.of(settings.deadLetterAddress())));
    config.addAddressSetting(
        settings.topic(),
        new AddressSettings()
            .setAutoCreateAddresses(true)
            .setAutoCreateQueues(true)
            .setDefaultExclusiveQueue(true)
            .setRedeliveryDelay(0) // a delay would let later messages overtake a redelivered one
            .setDeadLetterAddress(SimpleString.of(settings.deadLetterAddress())));
  }

  void stop() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warning("Embedded broker did not stop cleanly: " + e);
    }
    try (var files = java.nio.file.Files.walk(paging)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (java.io.IOException e) {
      // never paged: nothing was written
    }
  }
}
