package io.herald.transport.poll;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Long-polling settings (docs/configuration.md, "Long-polling"). */
@ApplicationScoped
public class PollSettings {
  @Inject
  @ConfigProperty(name = "herald.poll.timeout-ms", defaultValue = "25000")
  long timeoutMillis;

  @Inject
  @ConfigProperty(name = "herald.poll.max-events", defaultValue = "1000")
  int maxEvents;

  /** The most one answer carries; the rest is fetched by the next poll ({@code more: true}). */
  public int maxEvents() {
    return maxEvents;
  }

  /** How long a poll is held when nothing is there for it; also the most a client may ask for. */
  public long timeoutMillis() {
    return timeoutMillis;
  }
}
