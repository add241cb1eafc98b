package io.herald.channel;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.Config;

/**
 * Resolves the policy of a namespace from MicroProfile Config: {@code herald.namespace.<ns>.<option>},
 * falling back to built-in defaults (secure first: clients publish only into {@code chat}).
 */
@ApplicationScoped
public class NamespacePolicies {
  private static final Map<String, NamespacePolicy> BUILT_IN =
      Map.of("chat", new NamespacePolicy("chat", true, true));

  @Inject Config config;

  private final Map<String, NamespacePolicy> cache = new ConcurrentHashMap<>();

  public NamespacePolicy of(ChannelName channel) {
    return cache.computeIfAbsent(channel.namespace(), this::load);
  }

  private NamespacePolicy load(String namespace) {
    NamespacePolicy base = BUILT_IN.getOrDefault(namespace, new NamespacePolicy(namespace, false, false));
    String prefix = "herald.namespace." + namespace + ".";
    return new NamespacePolicy(
        namespace,
        config.getOptionalValue(prefix + "client-publish", Boolean.class).orElse(base.clientPublish()),
        config.getOptionalValue(prefix + "typing", Boolean.class).orElse(base.typing()));
  }
}
