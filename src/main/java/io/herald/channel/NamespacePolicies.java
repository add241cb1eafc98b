package io.herald.channel;

import io.herald.channel.NamespacePolicy.Subscribe;
import jakarta.annotation.Priority;
import jakarta.interceptor.Interceptor;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.Config;

/**
 * Resolves the policy of a namespace from MicroProfile Config, {@code herald.namespace.<ns>.<option>},
 * over built-in defaults that are secure first: a namespace nobody configured needs a grant.
 *
 * <p>Every namespace setting is read and checked when the application starts: a mistyped option
 * or value fails the deployment with a message naming it, rather than every request. Only
 * configured and built-in namespaces have a policy of their own; every other namespace, whatever
 * channel names clients make up, shares the one default, so nothing here grows with client input.
 */
@ApplicationScoped
public class NamespacePolicies {
  /** Built-in namespaces: what differs from the secure default (grant only, nothing else). */
  private record BuiltIn(Subscribe subscribe, boolean clientPublish, boolean typing, boolean presence, boolean lastValue) {}

  private static final Map<String, BuiltIn> BUILT_IN =
      Map.of(
          "user", new BuiltIn(Subscribe.OWNER, false, false, false, false),
          "broadcast", new BuiltIn(Subscribe.AUTHENTICATED, false, false, false, false),
          "chat", new BuiltIn(Subscribe.AUTHENTICATED, true, true, true, false),
          // a job page wants the job's current state at once, then its progress
          "jobs", new BuiltIn(Subscribe.GRANT, false, false, false, true),
          // a document and its awareness channel: who is here, typing, where their cursors are
          "docs", new BuiltIn(Subscribe.GRANT, false, true, true, false),
          "presence", new BuiltIn(Subscribe.GRANT, false, true, true, false));

  private static final BuiltIn DEFAULT = new BuiltIn(Subscribe.GRANT, false, false, false, false);

  @Inject Config config;
  @Inject NamespaceSettings settings;

  private Map<String, NamespacePolicy> named;
  private Set<String> fromEnvironment;
  /** Namespaces set by environment variables, under the spelling a channel used (bounded by the config). */
  private final Map<String, NamespacePolicy> spelled = new ConcurrentHashMap<>();
  private NamespacePolicy unconfigured;

  @PostConstruct
  void load() {
    NamespaceSettings.Found found = settings.find(config);
    // a namespace may be both built in and set from the environment: each problem once
    java.util.LinkedHashSet<String> problems = new java.util.LinkedHashSet<>(found.problems());
    Map<String, NamespacePolicy> policies = new HashMap<>();
    for (String namespace : union(BUILT_IN.keySet(), found.named())) {
      policies.put(namespace, policy(namespace, problems));
    }
    for (String canonical : found.fromEnvironment()) {
      policy(canonical.toLowerCase(java.util.Locale.ROOT), problems); // checked now; used per spelling
    }
    unconfigured = policy(null, problems);
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "Herald's namespace settings are wrong; fix them and start again (docs/configuration.md, "
              + "\"Channels and namespaces\"):\n  " + String.join("\n  ", problems));
    }
    named = Map.copyOf(policies);
    fromEnvironment = found.fromEnvironment();
  }

  /** Reads (and so checks) every namespace setting as the application starts. */
  void boot(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) @Initialized(ApplicationScoped.class) Object context) {
    unconfigured.subscribe(); // the call makes the container create this bean now
  }

  /**
   * Every namespace with a policy of its own (built in, or configured in any config source), by
   * name, sorted; for describing the deployment (the AsyncAPI document).
   */
  public java.util.SortedMap<String, NamespacePolicy> configured() {
    java.util.SortedMap<String, NamespacePolicy> all = new java.util.TreeMap<>(named);
    for (String canonical : fromEnvironment) {
      String namespace = canonical.toLowerCase(java.util.Locale.ROOT);
      all.putIfAbsent(namespace, ofNamespace(namespace));
    }
    return all;
  }

  /** The policy of every namespace nobody configured. */
  public NamespacePolicy unconfigured() {
    return unconfigured;
  }

  public NamespacePolicy of(ChannelName channel) {
    return ofNamespace(channel.namespace());
  }

  /** The policy of a namespace by name (for a channel name already validated). */
  public NamespacePolicy ofNamespace(String namespace) {
    NamespacePolicy policy = named.get(namespace);
    if (policy != null) {
      return policy;
    }
    if (fromEnvironment.contains(NamespaceSettings.canonical(namespace))) {
      return spelled.computeIfAbsent(namespace, ns -> policy(ns, new ArrayList<>()));
    }
    return unconfigured;
  }

  /** The policy of {@code namespace} (null: one nobody configured), noting what is wrong in it. */
  private NamespacePolicy policy(String namespace, java.util.Collection<String> problems) {
    BuiltIn base = namespace == null ? DEFAULT : BUILT_IN.getOrDefault(namespace, DEFAULT);
    NamespaceSettings.Reader read = settings.reader(config, namespace, problems);
    return new NamespacePolicy(
        read.value("subscribe", Subscribe::parse, base.subscribe(), "authenticated, owner or grant"),
        read.bool("client-publish", base.clientPublish()),
        read.bool("typing", base.typing()),
        read.bool("presence", base.presence()),
        new Retention(
            read.count("history.size", settings.historySize()),
            read.millis("history.ttl-ms", settings.historyTtlMillis()),
            read.bool("last-value", base.lastValue()),
            read.millis("last-value.ttl-ms", settings.lastValueTtlMillis())));
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return all;
  }
}
