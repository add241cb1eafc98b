package io.herald.channel;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Parses channel names against the configured length limit. */
@ApplicationScoped
public class Channels {
  @Inject
  @ConfigProperty(name = "herald.channel.max-length", defaultValue = "128")
  int maxLength;

  public ChannelName parse(String raw) {
    return ChannelName.parse(raw, maxLength);
  }
}
