package io.herald.security;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.Config;

/**
 * Which browser origins may talk to Herald ({@code herald.security.allowed-origins}): the same
 * origin always; others only when listed; {@code *} for any (then never with credentials). A
 * request without an {@code Origin} header is not from a browser page and is judged by its token
 * alone.
 */
@ApplicationScoped
public class Origins {
  // Read through Config, not injected: Payara cannot inject Optional<List<String>>.
  @Inject Config config;

  private Set<String> allowed;
  private boolean any;

  @PostConstruct
  void init() {
    Set<String> origins =
        config.getOptionalValues("herald.security.allowed-origins", String.class).orElse(List.of()).stream()
            .map(String::strip)
            .filter(o -> !o.isEmpty())
            .map(o -> o.replaceAll("/+$", "").toLowerCase(Locale.ROOT))
            .collect(Collectors.toCollection(java.util.HashSet::new));
    any = origins.remove("*");
    allowed = Set.copyOf(origins);
  }

  /** Whether every origin is allowed ({@code *}): CORS then answers without credentials. */
  public boolean anyOrigin() {
    return any;
  }

  /**
   * @param origin the {@code Origin} header (null: not a browser page)
   * @param host the {@code Host} header the request was sent to
   */
  public boolean allows(String origin, String host) {
    if (origin == null) {
      return true;
    }
    String normalized = origin.strip().toLowerCase(Locale.ROOT);
    if (any || allowed.contains(normalized)) {
      return true;
    }
    return sameOrigin(normalized, host);
  }

  private static boolean sameOrigin(String origin, String host) {
    if (host == null || origin.equals("null")) {
      return false;
    }
    try {
      URI uri = URI.create(origin);
      int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
      String hostHeader = host.strip().toLowerCase(Locale.ROOT);
      String originHost = uri.getHost() + (hostHeader.contains(":") ? ":" + port : "");
      return hostHeader.equals(originHost) || hostHeader.equals(uri.getHost() + ":" + port);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
