package io.herald.security;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.channel.ChannelName;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Who may subscribe where: the one check every transport calls before subscribing, so the rule is
 * the same on SSE, WebSocket and anything later. Today: a {@code user.<id>} channel belongs to the
 * user whose {@code sub} is {@code <id>}; other namespaces are open to any authenticated caller
 * (grants and per-namespace rules come with the channel-policy work).
 */
@ApplicationScoped
public class ChannelAccess {
  static final String USER_NAMESPACE = "user";

  public void checkSubscribe(Caller caller, ChannelName channel) {
    if (USER_NAMESPACE.equals(channel.namespace())
        && !channel.value().equals(USER_NAMESPACE + "." + caller.subject())) {
      throw new HeraldException(
          ErrorCode.PERMISSION_DENIED, "Only the user it is named after may subscribe to " + channel + ".");
    }
  }
}
