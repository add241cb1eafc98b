package io.herald.channel;

import io.herald.channel.NamespacePolicy.Subscribe;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.Config;

/**
 * Resolves the policy of a namespace from MicroProfile Config, {@code herald.namespace.<ns>.<option>},
 * over built-in defaults that are secure first: a namespace nobody configured needs a grant.
 */
@ApplicationScoped
public class NamespacePolicies {
  private static final Map<String, NamespacePolicy> BUILT_IN =
      Map.of(
          "user", new NamespacePolicy("user", Subscribe.OWNER, false, false),
          "broadcast", new NamespacePolicy("broadcast", Subscribe.AUTHENTICATED, false, false),
          "chat", new NamespacePolicy("chat", Subscribe.AUTHENTICATED, true, true));

  @Inject Config config;

  private final Map<String, NamespacePolicy> cache = new ConcurrentHashMap<>();

  public NamespacePolicy of(ChannelName channel) {
    return cache.computeIfAbsent(channel.namespace(), this::load);
  }

  private NamespacePolicy load(String namespace) {
    NamespacePolicy base =
        BUILT_IN.getOrDefault(namespace, new NamespacePolicy(namespace, Subscribe.GRANT, false, false));
    String prefix = "herald.namespace." + namespace + ".";
    return new NamespacePolicy(
        namespace,
        config.getOptionalValue(prefix + "subscribe", String.class).map(Subscribe::parse).orElse(base.subscribe()),
        config.getOptionalValue(prefix + "client-publish", Boolean.class).orElse(base.clientPublish()),
        config.getOptionalValue(prefix + "typing", Boolean.class).orElse(base.typing()));
  }
}
