package io.herald.distribution;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.Topic;
import jakarta.jms.JMSRuntimeException;
import java.util.Optional;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/**
 * JMS sessions as another enterprise system has them: logged in as a producer (not as Herald),
 * on the broker Herald uses, so that what is sent goes through the ingress like any producer's
 * message (docs/jms.md, "For developers of other systems"). For Herald's own demo job producer.
 */
@ApplicationScoped
public class Producers {
  @Inject JmsSettings settings;


  private ActiveMQConnectionFactory factory;
  private ContainerSource container;

  /**
   * A session logged in as {@code user} with {@code password}; on the embedded broker without a
   * user, as its producer login. The caller closes it.
   *
   * @throws JMSRuntimeException when there is no broker (type local) or it refuses the login
   */
  public JMSContext open(Optional<String> user, Optional<String> password) {
    if (settings.type() == JmsSettings.Type.LOCAL) {
      throw new JMSRuntimeException("herald.broker.type=local: there is no JMS broker to produce to");
    }
    if (settings.type() == JmsSettings.Type.JNDI) {
      ConnectionFactory server = container().factory();
      return user.isPresent() ? server.createContext(user.get(), password.orElse(null)) : server.createContext();
    }
    boolean embedded = settings.url().isEmpty();
    String login = user.orElse(embedded ? settings.embeddedProducerUser() : null);
    String secret = password.orElse(embedded ? EmbeddedArtemis.producerPassword : null);
    // a connection per message: the demo sends a few a second, and nothing is left open between
    // them to go stale while a broker restarts
    return factory().createContext(login, secret, JMSContext.AUTO_ACKNOWLEDGE);
  }

  private synchronized ActiveMQConnectionFactory factory() {
    if (factory == null) {
      factory = new ActiveMQConnectionFactory(settings.url().orElse(EmbeddedArtemis.IN_VM_URL));
    }
    return factory;
  }

  private synchronized ContainerSource container() {
    if (container == null) {
      container = new ContainerSource(settings);
    }
    return container;
  }

  @PreDestroy
  synchronized void close() {
    if (factory != null) {
      factory.close();
    }
  }

  /** The topic producers send to: {@code herald.broker.topic}, or the server's by its JNDI name. */
  public Topic topic(JMSContext jms) {
    return settings.type() == JmsSettings.Type.JNDI ? container().topic() : jms.createTopic(settings.topic());
  }
}
