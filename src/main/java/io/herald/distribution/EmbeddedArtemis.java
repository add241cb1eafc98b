package io.herald.distribution;

import java.util.logging.Logger;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;

/**
 * The broker Herald runs inside itself when no {@code herald.broker.url} is set: in-VM for this
 * instance, and on {@code herald.broker.embedded.port} over TCP when configured, so that local
 * producers and a second local instance can connect. Memory only: it lives and dies with the app.
 */
final class EmbeddedArtemis {
  private static final Logger LOG = Logger.getLogger(EmbeddedArtemis.class.getName());
  static final String IN_VM_URL = "vm://0";

  private final EmbeddedActiveMQ server = new EmbeddedActiveMQ();

  void start(JmsSettings settings) throws Exception {
    Configuration config =
        new ConfigurationImpl()
            .setName("herald-embedded")
            .setPersistenceEnabled(false)
            .setSecurityEnabled(false)
            .setJMXManagementEnabled(false)
            .addAcceptorConfiguration("in-vm", IN_VM_URL);
    settings
        .embeddedPort()
        .ifPresent(
            port -> {
              try {
                config.addAcceptorConfiguration(
                    "tcp", "tcp://" + settings.embeddedHost() + ":" + port + "?protocols=CORE,AMQP,STOMP,MQTT,OPENWIRE");
              } catch (Exception e) {
                throw new IllegalStateException("Bad embedded broker acceptor", e);
              }
            });
    // Poison messages go where ops can find them; expired ones simply go.
    config.addAddressSetting(
        "#",
        new AddressSettings()
            .setAutoCreateAddresses(true)
            .setAutoCreateQueues(true)
            .setDeadLetterAddress(SimpleString.of(settings.deadLetterAddress())));
    config.addAddressSetting(
        settings.deadLetterAddress(),
        new AddressSettings().setAutoCreateAddresses(true).setAutoCreateQueues(true));
    server.setConfiguration(config);
    server.start();
    LOG.info(
        "Embedded Artemis broker started (in-VM"
            + settings.embeddedPort().map(p -> ", tcp://" + settings.embeddedHost() + ":" + p).orElse("")
            + ")");
  }

  void stop() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warning("Embedded broker did not stop cleanly: " + e);
    }
  }
}
