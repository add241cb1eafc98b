package io.herald.channel;

import io.herald.channel.NamespacePolicy.Subscribe;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Resolves the policy of a namespace from MicroProfile Config, {@code herald.namespace.<ns>.<option>},
 * over built-in defaults that are secure first: a namespace nobody configured needs a grant.
 */
@ApplicationScoped
public class NamespacePolicies {
  /** Built-in namespaces: what differs from the secure default (grant only, nothing else). */
  private record BuiltIn(Subscribe subscribe, boolean clientPublish, boolean typing, boolean lastValue) {}

  private static final Map<String, BuiltIn> BUILT_IN =
      Map.of(
          "user", new BuiltIn(Subscribe.OWNER, false, false, false),
          "broadcast", new BuiltIn(Subscribe.AUTHENTICATED, false, false, false),
          "chat", new BuiltIn(Subscribe.AUTHENTICATED, true, true, false),
          // a job page wants the job's current state at once, then its progress
          "jobs", new BuiltIn(Subscribe.GRANT, false, false, true));

  private static final BuiltIn DEFAULT = new BuiltIn(Subscribe.GRANT, false, false, false);

  @Inject Config config;

  @Inject
  @ConfigProperty(name = "herald.history.size", defaultValue = "1000")
  int historySize;

  @Inject
  @ConfigProperty(name = "herald.history.ttl-ms", defaultValue = "300000")
  long historyTtlMillis;

  @Inject
  @ConfigProperty(name = "herald.history.last-value-ttl-ms", defaultValue = "86400000")
  long lastValueTtlMillis;

  private final Map<String, NamespacePolicy> cache = new ConcurrentHashMap<>();

  public NamespacePolicy of(ChannelName channel) {
    return ofNamespace(channel.namespace());
  }

  /** The policy of a namespace by name (for a channel name already validated). */
  public NamespacePolicy ofNamespace(String namespace) {
    return cache.computeIfAbsent(namespace, this::load);
  }

  private NamespacePolicy load(String namespace) {
    BuiltIn base = BUILT_IN.getOrDefault(namespace, DEFAULT);
    String prefix = "herald.namespace." + namespace + ".";
    return new NamespacePolicy(
        namespace,
        config.getOptionalValue(prefix + "subscribe", String.class).map(Subscribe::parse).orElse(base.subscribe()),
        config.getOptionalValue(prefix + "client-publish", Boolean.class).orElse(base.clientPublish()),
        config.getOptionalValue(prefix + "typing", Boolean.class).orElse(base.typing()),
        new Retention(
            config.getOptionalValue(prefix + "history.size", Integer.class).orElse(historySize),
            config.getOptionalValue(prefix + "history.ttl-ms", Long.class).orElse(historyTtlMillis),
            config.getOptionalValue(prefix + "last-value", Boolean.class).orElse(base.lastValue()),
            config.getOptionalValue(prefix + "last-value.ttl-ms", Long.class).orElse(lastValueTtlMillis)));
  }
}
