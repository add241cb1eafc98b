package io.herald.transport.sse;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;

/** Keeps caches and buffering proxies (nginx) from holding back event streams. */
@Provider
public class SseHeaders implements ContainerResponseFilter {
  @Override
  public void filter(ContainerRequestContext request, ContainerResponseContext response) {
    if (MediaType.SERVER_SENT_EVENTS_TYPE.isCompatible(response.getMediaType())) {
      response.getHeaders().putSingle("Cache-Control", "no-cache, no-store");
      response.getHeaders().putSingle("X-Accel-Buffering", "no");
    }
  }
}
