package io.herald.transport;

import jakarta.annotation.Priority;
import jakarta.interceptor.Interceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.eclipse.microprofile.config.Config;

/** {@code herald.transports}: the transports this deployment serves (all three by default); checked at start. */
@ApplicationScoped
public class TransportSettings {
  static final String SETTING = "herald.transports";

  @Inject Config config;

  private volatile Set<Transport> enabled;

  /** An unknown name stops the start, with a message naming it. */
  void check(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) @Initialized(ApplicationScoped.class) Object context) {
    enabled();
  }

  public Set<Transport> enabled() {
    Set<Transport> e = enabled;
    if (e == null) {
      enabled = e = parse(config.getOptionalValue(SETTING, String.class).orElse("websocket,sse,poll"));
    }
    return e;
  }

  static Set<Transport> parse(String value) {
    Set<Transport> set = EnumSet.noneOf(Transport.class);
    List<String> unknown = new ArrayList<>();
    for (String name : value.split(",")) {
      String n = name.strip().toLowerCase(Locale.ROOT);
      if (!n.isEmpty()) {
        Arrays.stream(Transport.values()).filter(t -> t.label().equals(n)).findFirst().ifPresentOrElse(set::add, () -> unknown.add(name.strip()));
      }
    }
    if (!unknown.isEmpty() || set.isEmpty()) {
      throw new IllegalStateException(
          SETTING + "=" + value + ": name one or more of websocket, sse, poll"
              + (unknown.isEmpty() ? "" : " (unknown: " + String.join(", ", unknown) + ")"));
    }
    return set;
  }
}
