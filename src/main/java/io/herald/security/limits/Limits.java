package io.herald.security.limits;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The abuse limits, all named configuration (docs/configuration.md, "Limits"). */
@ApplicationScoped
public class Limits {
  @Inject
  @ConfigProperty(name = "herald.limits.messages.burst", defaultValue = "100")
  int messageBurst;

  @Inject
  @ConfigProperty(name = "herald.limits.messages.per-second", defaultValue = "10")
  double messagesPerSecond;

  /**
   * Refused messages a connection may accumulate (refilled over ten seconds) before it is closed:
   * a client a little over its rate is only throttled; one that keeps flooding is closed.
   */
  @Inject
  @ConfigProperty(name = "herald.limits.messages.close-after-refused", defaultValue = "50")
  int closeAfterRefused;

  /** Presence updates (a moving cursor) have a rate of their own: they coalesce anyway. */
  @Inject
  @ConfigProperty(name = "herald.limits.presence-updates.burst", defaultValue = "200")
  int presenceBurst;

  @Inject
  @ConfigProperty(name = "herald.limits.presence-updates.per-second", defaultValue = "100")
  double presencePerSecond;

  @Inject
  @ConfigProperty(name = "herald.limits.connections.per-user", defaultValue = "10")
  int connectionsPerUser;

  @Inject
  @ConfigProperty(name = "herald.limits.connections.per-ip", defaultValue = "100")
  int connectionsPerIp;

  @Inject
  @ConfigProperty(name = "herald.connection.max-subscriptions", defaultValue = "128")
  int maxSubscriptions;

  @Inject
  @ConfigProperty(name = "herald.limits.publish.burst", defaultValue = "1000")
  int publishBurst;

  @Inject
  @ConfigProperty(name = "herald.limits.publish.per-second", defaultValue = "1000")
  double publishPerSecond;

  public TokenBucket messageBucket() {
    return new TokenBucket(messageBurst, messagesPerSecond);
  }

  public TokenBucket presenceBucket() {
    return new TokenBucket(presenceBurst, presencePerSecond);
  }

  /** The patience with refused messages: empty means sustained flooding. */
  public TokenBucket refusalBucket() {
    return new TokenBucket(closeAfterRefused, closeAfterRefused / 10.0);
  }

  public int connectionsPerUser() {
    return connectionsPerUser;
  }

  public int connectionsPerIp() {
    return connectionsPerIp;
  }

  /** Channels one connection may subscribe to, on every transport. */
  public int maxSubscriptions() {
    return maxSubscriptions;
  }

  public TokenBucket publishBucket() {
    return new TokenBucket(publishBurst, publishPerSecond);
  }
}
