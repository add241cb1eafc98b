package io.herald.security;

import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

import io.herald.api.ErrorBody;
import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.ext.Provider;
import java.security.Principal;

/**
 * Establishes the {@link Caller} of a {@link Secured} resource from its bearer token: the
 * {@code Authorization} header, or, on the endpoints a browser opens without being able to set
 * one ({@link QueryToken}), the {@code access_token} parameter. Both go through the one
 * {@link TokenVerifier}. Missing or bad: 401 with a code.
 */
@Secured
@Provider
@Priority(Priorities.AUTHENTICATION)
public class AuthenticationFilter implements ContainerRequestFilter {
  private static final String BEARER = "Bearer ";

  @Context ResourceInfo resource;
  @Inject TokenVerifier verifier;
  @Inject MetricRegistry metrics;

  @Override
  public void filter(ContainerRequestContext request) {
    try {
      Caller caller = authenticate(request);
      request.setSecurityContext(new CallerContext(caller, request.getSecurityContext().isSecure()));
    } catch (HeraldException e) {
      String entry = entry();
      String reason = e.code().name().toLowerCase(Locale.ROOT);
      metrics.counter("herald.auth.failures", new Tag("entry", entry), new Tag("reason", reason)).inc();
      if (entry.equals("sse") || entry.equals("poll")) {
        metrics.counter("herald.connections.refused", new Tag("transport", entry), new Tag("reason", reason)).inc();
      }
      request.abortWith(ErrorBody.response(e.code(), e.getMessage()));
    }
  }

  /** The entry point, as a metric label: one per resource, a fixed set. */
  private String entry() {
    Class<?> target = resource.getResourceClass();
    return target == null ? "api" : ENTRIES.getOrDefault(target.getSimpleName(), "api");
  }

  private static final Map<String, String> ENTRIES =
      Map.of(
          "SseResource", "sse",
          "PollResource", "poll",
          "PublishResource", "publish",
          "BatchPublishResource", "batch",
          "HistoryResource", "history",
          "PresenceResource", "presence",
          "MessageResource", "messages",
          "AdminResource", "admin");

  private Caller authenticate(ContainerRequestContext request) {
    String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
    String token = null;
    if (header != null) {
      if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
        throw new HeraldException(ErrorCode.INVALID_TOKEN, "Authorization must use the Bearer scheme.");
      }
      token = header.substring(BEARER.length()).strip();
    } else if (allowsQueryToken()) {
      token = request.getUriInfo().getQueryParameters().getFirst(QueryToken.PARAMETER);
    }
    if (token == null || token.isEmpty()) {
      throw new HeraldException(ErrorCode.NOT_AUTHENTICATED, "A bearer token is required.");
    }
    return verifier.verify(token);
  }

  private boolean allowsQueryToken() {
    return resource.getResourceMethod().isAnnotationPresent(QueryToken.class)
        || resource.getResourceClass().isAnnotationPresent(QueryToken.class);
  }

  /** Exposes the caller through the standard JAX-RS security context. */
  private record CallerContext(Caller caller, boolean secure) implements SecurityContext {
    @Override
    public Principal getUserPrincipal() {
      return caller;
    }

    @Override
    public boolean isUserInRole(String role) {
      return caller.inGroup(role);
    }

    @Override
    public boolean isSecure() {
      return secure;
    }

    @Override
    public String getAuthenticationScheme() {
      return "Bearer";
    }
  }
}
