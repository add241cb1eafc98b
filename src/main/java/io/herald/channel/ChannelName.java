package io.herald.channel;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import java.util.regex.Pattern;

/**
 * A validated channel name, {@code namespace.rest}. The namespace is what policy attaches to; the
 * rest names one stream within it. Grammar (docs/protocol.md, "Channels"):
 *
 * <pre>
 *   channel   = namespace "." segment *( "." segment )
 *   namespace = lower *( lower / digit / "_" / "-" )          ; at most 32 characters
 *   segment   = 1*( ALPHA / DIGIT / "_" / "-" / "=" / "@" / ":" )
 * </pre>
 *
 * No wildcards, slashes, spaces or empty segments: names travel in URLs, JMS properties and
 * SSE ids unescaped, and {@code *} is reserved for grant patterns.
 */
public record ChannelName(String namespace, String value) {
  /** Hard ceiling; the configured limit ({@code herald.channel.max-length}) may only be lower. */
  public static final int ABSOLUTE_MAX_LENGTH = 255;

  private static final Pattern GRAMMAR =
      Pattern.compile("[a-z][a-z0-9_-]{0,31}(\\.[A-Za-z0-9_\\-=@:]+)+");

  public static ChannelName parse(String raw, int maxLength) {
    if (raw == null || raw.isEmpty()) {
      throw new HeraldException(ErrorCode.INVALID_CHANNEL, "A channel name is required.");
    }
    int limit = Math.min(maxLength, ABSOLUTE_MAX_LENGTH);
    if (raw.length() > limit) {
      throw new HeraldException(
          ErrorCode.INVALID_CHANNEL, "Channel names are at most " + limit + " characters long.");
    }
    if (!GRAMMAR.matcher(raw).matches()) {
      throw new HeraldException(
          ErrorCode.INVALID_CHANNEL,
          "Invalid channel name '"
              + raw
              + "': expected namespace.name, e.g. jobs.42 (see docs/protocol.md).");
    }
    return new ChannelName(raw.substring(0, raw.indexOf('.')), raw);
  }

  @Override
  public String toString() {
    return value;
  }
}
