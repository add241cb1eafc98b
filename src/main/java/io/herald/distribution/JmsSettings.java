package io.herald.distribution;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Where the broker is and how Herald uses it; documented in docs/configuration.md and docs/jms.md. */
@ApplicationScoped
public class JmsSettings {
  @Inject
  @ConfigProperty(name = "herald.broker.url")
  Optional<String> url;

  @Inject
  @ConfigProperty(name = "herald.broker.user")
  Optional<String> user;

  @Inject
  @ConfigProperty(name = "herald.broker.password")
  Optional<String> password;

  @Inject
  @ConfigProperty(name = "herald.broker.topic", defaultValue = "herald.events")
  String topic;

  @Inject
  @ConfigProperty(name = "herald.broker.internal-topic", defaultValue = "herald.internal")
  String internalTopic;

  @Inject
  @ConfigProperty(name = "herald.broker.ingress.default-tenant")
  Optional<String> ingressDefaultTenant;

  @Inject
  @ConfigProperty(name = "herald.broker.embedded.producer-user", defaultValue = "producer")
  String embeddedProducerUser;

  @Inject
  @ConfigProperty(name = "herald.broker.embedded.producer-password")
  Optional<String> embeddedProducerPassword;

  /** The topic between Herald instances, which only Herald may send to. */
  public String internalTopic() {
    return internalTopic;
  }

  /** The tenant of producers' messages that name none, or empty: those are dead-lettered. */
  public Optional<String> ingressDefaultTenant() {
    return ingressDefaultTenant.filter(t -> !t.isBlank());
  }

  /** The login other systems' producers use on the embedded broker. */
  public String embeddedProducerUser() {
    return embeddedProducerUser;
  }

  public Optional<String> embeddedProducerPassword() {
    return embeddedProducerPassword.filter(p -> !p.isBlank());
  }

  @Inject
  @ConfigProperty(name = "herald.broker.dead-letter-address", defaultValue = "herald.dead-letter")
  String deadLetterAddress;

  @Inject
  @ConfigProperty(name = "herald.broker.message-ttl-ms", defaultValue = "300000")
  long messageTtlMillis;

  @Inject
  @ConfigProperty(name = "herald.broker.max-message-bytes", defaultValue = "65536")
  int maxMessageBytes;

  @Inject
  @ConfigProperty(name = "herald.broker.reconnect-ms", defaultValue = "1000")
  long reconnectMillis;

  @Inject
  @ConfigProperty(name = "herald.broker.connection-ttl-ms", defaultValue = "10000")
  long connectionTtlMillis;

  @Inject
  @ConfigProperty(name = "herald.broker.embedded.port")
  Optional<Integer> embeddedPort;

  @Inject
  @ConfigProperty(name = "herald.broker.embedded.host", defaultValue = "127.0.0.1")
  String embeddedHost;

  @Inject
  @ConfigProperty(name = "herald.broker.send-queue-size", defaultValue = "10000")
  int sendQueueSize;

  /** Events and signals waiting for the one sender thread, at most; more are refused (503). */
  public int sendQueueSize() {
    return sendQueueSize;
  }

  /** Set: connect to this external broker or cluster. Unset: run the embedded broker. */
  public Optional<String> url() {
    return url.filter(u -> !u.isBlank());
  }

  /** Herald's own broker login; on the embedded broker, "herald" unless set. */
  public Optional<String> user() {
    return user.filter(u -> !u.isBlank());
  }

  public Optional<String> password() {
    return password.filter(p -> !p.isBlank());
  }

  public String topic() {
    return topic;
  }

  public String deadLetterAddress() {
    return deadLetterAddress;
  }

  public long messageTtlMillis() {
    return messageTtlMillis;
  }

  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** How long the broker keeps a connection of Herald's that went silent (the bundled client pings at half of it). */
  public long connectionTtlMillis() {
    return Math.max(2000, connectionTtlMillis);
  }

  public long reconnectMillis() {
    return reconnectMillis;
  }

  public Optional<Integer> embeddedPort() {
    return embeddedPort;
  }

  public String embeddedHost() {
    return embeddedHost;
  }

  @Inject
  @ConfigProperty(name = "herald.broker.jndi.connection-factory", defaultValue = "jms/herald/ConnectionFactory")
  String jndiConnectionFactory;

  @Inject
  @ConfigProperty(name = "herald.broker.jndi.topic", defaultValue = "jms/herald/events")
  String jndiTopic;

  @Inject
  @ConfigProperty(name = "herald.broker.jndi.internal-topic", defaultValue = "jms/herald/internal")
  String jndiInternalTopic;

  @Inject
  @ConfigProperty(name = "herald.broker.jndi.dead-letter-queue", defaultValue = "jms/herald/deadLetters")
  String jndiDeadLetterQueue;

  /** The app server's JMS resources Herald uses with {@code herald.broker.type=jndi}, by JNDI name. */
  public record Jndi(String connectionFactory, String topic, String internalTopic, String deadLetterQueue) {}

  public Jndi jndi() {
    return new Jndi(jndiConnectionFactory, jndiTopic, jndiInternalTopic, jndiDeadLetterQueue);
  }

  @Inject
  @ConfigProperty(name = "herald.broker.type", defaultValue = "jms")
  String type;

  /** How instances are connected ({@code herald.broker.type}). */
  public enum Type {
    /** Through the bundled Artemis client: the embedded broker, or the one at {@code herald.broker.url}. */
    JMS,
    /** Through the app server's own JMS resources, by JNDI name ({@code herald.broker.jndi.*}). */
    JNDI,
    /** One instance, no broker at all. */
    LOCAL
  }

  /** {@code herald.broker.type}; anything but jms, jndi or local stops the start. */
  public Type type() {
    return switch (type.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "jms" -> Type.JMS;
      case "jndi" -> Type.JNDI;
      case "local" -> Type.LOCAL;
      default -> throw new IllegalStateException("herald.broker.type is '" + type + "': one of jms (the default), jndi, local");
    };
  }
}
