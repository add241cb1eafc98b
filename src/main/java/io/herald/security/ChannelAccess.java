package io.herald.security;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.channel.ChannelName;
import io.herald.channel.Channels;
import io.herald.channel.NamespacePolicies;
import io.herald.channel.NamespacePolicy;
import io.herald.security.limits.Limits;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who may subscribe and publish where: the one check every transport calls, so the rules are the
 * same on SSE, WebSocket and long-polling. Channels are always the caller's own tenant's; these
 * rules decide within it (docs/security.md).
 */
@ApplicationScoped
public class ChannelAccess {
  /** The query parameter for subscription tokens; repeatable, matched by their channel claim. */
  public static final String SUBSCRIPTION_TOKEN = "subscription_token";

  @Inject NamespacePolicies policies;
  @Inject TokenVerifier verifier;
  @Inject Channels channels;
  @Inject Limits limits;

  /**
   * The channels a stream or a poll names ({@code ?channel=} repeated), each valid and allowed,
   * repeats counted once, at most {@code herald.connection.max-subscriptions} of them, in the order
   * named, each with the expiry of the subscription token that allowed it (null: the access
   * token's own rights allow it).
   */
  public Map<String, Instant> checkSubscribeAll(Caller caller, List<String> names, List<String> subscriptionTokens) {
    if (names == null || names.isEmpty()) {
      throw new HeraldException(ErrorCode.INVALID_REQUEST, "Name at least one channel: ?channel=jobs.42");
    }
    Map<String, Instant> subscribed = new LinkedHashMap<>();
    for (String name : names) {
      ChannelName channel = channels.parse(name);
      subscribed.put(channel.value(), checkSubscribe(caller, channel, subscriptionTokens));
    }
    if (subscribed.size() > limits.maxSubscriptions()) {
      throw new HeraldException(
          ErrorCode.TOO_MANY_SUBSCRIPTIONS, "At most " + limits.maxSubscriptions() + " channels per connection.");
    }
    return subscribed;
  }

  /**
   * Whether the caller may subscribe to {@code channel}; refused with {@code PERMISSION_DENIED} (or
   * {@code INVALID_TOKEN} for a bad subscription token) if not.
   *
   * @param subscriptionToken a subscription token presented for this channel, or null
   * @return null when the caller's own rights (namespace policy, grants) allow it, for as long as
   *     its connection lives; else when the subscription token that allows it expires, which ends
   *     the subscription
   */
  public Instant checkSubscribe(Caller caller, ChannelName channel, String subscriptionToken) {
    NamespacePolicy policy = policies.of(channel);
    boolean allowed =
        switch (policy.subscribe()) {
          case AUTHENTICATED -> true;
          case OWNER -> channel.value().equals(channel.namespace() + "." + caller.subject());
          case GRANT -> false;
        };
    if (allowed || Grants.allows(caller.subscribeGrants(), channel.value())) {
      return null;
    }
    if (subscriptionToken != null) {
      return verifier.verifySubscription(subscriptionToken, caller, channel.value());
    }
    throw new HeraldException(
        ErrorCode.PERMISSION_DENIED,
        switch (policy.subscribe()) {
          case OWNER -> "Only the user it is named after may subscribe to " + channel + ".";
          default -> "Subscribing to " + channel + " needs a grant or a subscription token.";
        });
  }

  /** As {@link #checkSubscribe}, with several subscription tokens of which one may fit (SSE). */
  public Instant checkSubscribe(Caller caller, ChannelName channel, List<String> subscriptionTokens) {
    if (subscriptionTokens == null || subscriptionTokens.isEmpty()) {
      return checkSubscribe(caller, channel, (String) null);
    }
    HeraldException refusal = null;
    for (String token : subscriptionTokens) {
      try {
        return checkSubscribe(caller, channel, token);
      } catch (HeraldException e) {
        refusal = e;
      }
    }
    throw refusal;
  }

  /**
   * Publishing through the publish API, by a token of the {@code publisher} group: any channel of
   * its tenant, unless the token carries {@code herald_publish} patterns, which then narrow it to
   * the channels they match (docs/security.md, "Publishing").
   */
  public void checkServerPublish(Caller caller, ChannelName channel) {
    if (!caller.publishGrants().isEmpty() && !Grants.allows(caller.publishGrants(), channel.value())) {
      throw new HeraldException(
          ErrorCode.PERMISSION_DENIED, "This token's publish grants (herald_publish) do not cover " + channel + ".");
    }
  }

  /** Publishing from a client connection: where the namespace allows it, or with a grant. */
  public void checkClientPublish(Caller caller, ChannelName channel, String subscriptionToken) {
    if (Grants.allows(caller.publishGrants(), channel.value())) {
      return;
    }
    if (!policies.of(channel).clientPublish()) {
      throw new HeraldException(
          ErrorCode.PERMISSION_DENIED, "Clients may not publish into '" + channel.namespace() + "'.");
    }
    checkSubscribe(caller, channel, subscriptionToken); // publishing is for those who may listen
  }
}
