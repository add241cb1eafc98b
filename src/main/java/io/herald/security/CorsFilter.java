package io.herald.security;

import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

/**
 * CORS for the REST and SSE API, by the same allowlist as WebSocket handshakes ({@link Origins}).
 * An allowed origin is echoed with credentials allowed; {@code *} is answered as {@code *} without
 * credentials; anything else gets no CORS headers, so the browser keeps the answer from the page.
 */
@Provider
@PreMatching
public class CorsFilter implements ContainerRequestFilter, ContainerResponseFilter {
  private static final String ORIGIN = "Origin";

  @Inject Origins origins;

  @Override
  public void filter(ContainerRequestContext request) {
    String origin = request.getHeaderString(ORIGIN);
    boolean preflight =
        HttpMethod.OPTIONS.equals(request.getMethod())
            && origin != null
            && request.getHeaderString("Access-Control-Request-Method") != null;
    if (preflight) {
      Response.ResponseBuilder answer = Response.noContent();
      if (origins.allows(origin, request.getHeaderString(HttpHeaders.HOST))) {
        answer
            .header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            .header("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID, Idempotency-Key")
            .header("Access-Control-Max-Age", "600");
      }
      request.abortWith(answer.build()); // the response filter adds the origin headers
    }
  }

  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    String origin = request.getHeaderString(ORIGIN);
    if (origin == null || !origins.allows(origin, request.getHeaderString(HttpHeaders.HOST))) {
      return;
    }
    MultivaluedMap<String, Object> headers = response.getHeaders();
    headers.add(HttpHeaders.VARY, ORIGIN);
    headers.putSingle("Access-Control-Expose-Headers", "Idempotent-Replayed, Retry-After");
    if (origins.anyOrigin()) {
      headers.putSingle("Access-Control-Allow-Origin", "*");
    } else {
      headers.putSingle("Access-Control-Allow-Origin", origin);
      headers.putSingle("Access-Control-Allow-Credentials", "true");
    }
  }
}
