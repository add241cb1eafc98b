package io.herald.transport.poll;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Long-polling settings (docs/configuration.md, "History, recovery and idempotency": herald.poll.*). */
@ApplicationScoped
public class PollSettings {
  @Inject
  @ConfigProperty(name = "herald.poll.timeout-ms", defaultValue = "25000")
  long timeoutMillis;

  @Inject
  @ConfigProperty(name = "herald.poll.max-events", defaultValue = "1000")
  int maxEvents;

  @Inject
  @ConfigProperty(name = "herald.poll.queue-size", defaultValue = "1024")
  int queueSize;

  @Inject
  @ConfigProperty(name = "herald.poll.session-timeout-ms", defaultValue = "30000")
  long sessionTimeoutMillis;

  /** The most frames a session keeps between polls; beyond it, the rest is read from the history. */
  public int queueSize() {
    return queueSize;
  }

  /** How long a session lives without a poll: a client polls again at once after each answer. */
  public long sessionTimeoutMillis() {
    return sessionTimeoutMillis;
  }

  /** The most one answer carries; the rest is fetched by the next poll ({@code more: true}). */
  public int maxEvents() {
    return maxEvents;
  }

  /** How long a poll is held when nothing is there for it; also the most a client may ask for. */
  public long timeoutMillis() {
    return timeoutMillis;
  }
}
