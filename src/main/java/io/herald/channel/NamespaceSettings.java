package io.herald.channel;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The {@code herald.namespace.<ns>.<option>} settings: which namespaces are configured, in any
 * config source, and their values read strictly (a value MicroProfile Config would quietly take
 * as {@code false}, such as {@code ture}, is an error here).
 */
@ApplicationScoped
public class NamespaceSettings {
  static final String PREFIX = "herald.namespace.";
  private static final String ENV_PREFIX = "HERALD_NAMESPACE_";
  /** Every option; longest first, so that an environment name ends in the right one. */
  static final List<String> OPTIONS =
      List.of("last-value.ttl-ms", "history.ttl-ms", "client-publish", "history.size", "last-value", "subscribe", "presence", "typing");

  private static final java.util.regex.Pattern NAMESPACE = java.util.regex.Pattern.compile("[a-z][a-z0-9_-]{0,31}");

  @Inject
  @ConfigProperty(name = "herald.history.size", defaultValue = "1000")
  int historySize;

  @Inject
  @ConfigProperty(name = "herald.history.ttl-ms", defaultValue = "300000")
  long historyTtlMillis;

  @Inject
  @ConfigProperty(name = "herald.history.last-value-ttl-ms", defaultValue = "86400000")
  long lastValueTtlMillis;

  int historySize() {
    return historySize;
  }

  long historyTtlMillis() {
    return historyTtlMillis;
  }

  long lastValueTtlMillis() {
    return lastValueTtlMillis;
  }

  /**
   * Namespaces named by properties (exactly), namespaces named by environment variables (in their
   * environment form, as {@code MY_NS} stands for {@code my-ns} and {@code my_ns} alike), and names
   * that look like namespace settings but are none.
   */
  record Found(Set<String> named, Set<String> fromEnvironment, List<String> problems) {}

  Found find(Config config) {
    Set<String> named = new HashSet<>();
    Set<String> fromEnvironment = new HashSet<>();
    List<String> problems = new java.util.ArrayList<>();
    for (String name : config.getPropertyNames()) {
      if (name.startsWith(PREFIX)) {
        String rest = name.substring(PREFIX.length());
        String option = OPTIONS.stream().filter(o -> rest.endsWith("." + o)).findFirst().orElse(null);
        String namespace = option == null ? null : rest.substring(0, rest.length() - option.length() - 1);
        if (option == null) {
          problems.add(name + " is not a namespace setting; the options are " + String.join(", ", OPTIONS));
        } else if (!NAMESPACE.matcher(namespace).matches()) {
          problems.add(name + " names no possible namespace: '" + namespace + "' breaks the channel grammar (protocol.md)");
        } else {
          named.add(namespace);
        }
      } else if (name.startsWith(ENV_PREFIX)) {
        String rest = name.substring(ENV_PREFIX.length());
        String option = OPTIONS.stream().map(NamespaceSettings::canonical).filter(o -> rest.endsWith("_" + o)).findFirst().orElse(null);
        if (option == null) {
          problems.add(name + " is not a namespace setting; it must end in one of _"
              + String.join(", _", OPTIONS.stream().map(NamespaceSettings::canonical).toList()));
        } else {
          fromEnvironment.add(rest.substring(0, rest.length() - option.length() - 1));
        }
      }
    }
    return new Found(named, fromEnvironment, problems);
  }

  /** A name as MicroProfile Config looks it up in the environment: upper case, {@code _} for the rest. */
  static String canonical(String name) {
    return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }

  Reader reader(Config config, String namespace, java.util.Collection<String> problems) {
    return new Reader(config, namespace, problems);
  }

  /** Reads one namespace's options, noting each value that is not of its documented form. */
  static final class Reader {
    private final Config config;
    private final String namespace;
    private final java.util.Collection<String> problems;

    Reader(Config config, String namespace, java.util.Collection<String> problems) {
      this.config = config;
      this.namespace = namespace;
      this.problems = problems;
    }

    <T> T value(String option, Function<String, T> parse, T fallback, String expected) {
      if (namespace == null) {
        return fallback;
      }
      String name = PREFIX + namespace + "." + option;
      Optional<String> raw = config.getOptionalValue(name, String.class);
      if (raw.isEmpty()) {
        return fallback;
      }
      try {
        return parse.apply(raw.get().strip());
      } catch (RuntimeException e) {
        problems.add(name + " is '" + raw.get() + "'; expected " + expected);
        return fallback;
      }
    }

    boolean bool(String option, boolean fallback) {
      return value(option, NamespaceSettings::bool, fallback, "true or false");
    }

    int count(String option, int fallback) {
      return value(option, text -> nonNegative(Integer.parseInt(text)), fallback, "a whole number, 0 or more");
    }

    long millis(String option, long fallback) {
      return value(option, text -> nonNegative(Long.parseLong(text)), fallback, "milliseconds, 0 or more");
    }
  }

  private static boolean bool(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new IllegalArgumentException(text);
    };
  }

  private static <N extends Number> N nonNegative(N n) {
    if (n.longValue() < 0) {
      throw new IllegalArgumentException("negative");
    }
    return n;
  }
}
