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

  /** Channels with this limit, outside the container (tests, tools). */
  public static Channels withMaxLength(int maxLength) {
    Channels channels = new Channels();
    channels.maxLength = maxLength;
    return channels;
  }

  public ChannelName parse(String raw) {
    return ChannelName.parse(raw, maxLength);
  }
}
