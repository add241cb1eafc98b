package io.herald.transport.websocket;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Says when a WebSocket handshake has been answered. The container runs {@code @OnOpen} while the
 * upgrade is still being completed, and writes the {@code 101} answer after; a close sent before
 * that reaches the client ahead of the answer, which then sees a broken handshake instead of the
 * documented 1008 (seen under load). The upgrade is answered once this filter's chain returns: a
 * refused socket is closed only then.
 *
 * <p>The handshake configurator sees the request's headers only, so the filter hands it a key to
 * the future as a header it sets itself; one future per handshake in progress, removed at once.
 */
@WebFilter(urlPatterns = "/ws", asyncSupported = true)
public class HandshakeFilter extends HttpFilter {
  static final String HEADER = "X-Herald-Handshake";
  private static final Map<String, CompletableFuture<Void>> ANSWERING = new ConcurrentHashMap<>();

  /** Completes when the handshake named by the header has been answered (at once if unknown). */
  static CompletableFuture<Void> answered(String key) {
    CompletableFuture<Void> answered = key == null ? null : ANSWERING.get(key);
    return answered != null ? answered : CompletableFuture.completedFuture(null);
  }

  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    String key = UUID.randomUUID().toString();
    CompletableFuture<Void> answered = new CompletableFuture<>();
    ANSWERING.put(key, answered);
    try {
      chain.doFilter(
          new HttpServletRequestWrapper(request) {
            @Override
            public String getHeader(String name) {
              return HEADER.equalsIgnoreCase(name) ? key : super.getHeader(name);
            }

            @Override
            public Enumeration<String> getHeaders(String name) {
              return HEADER.equalsIgnoreCase(name) ? Collections.enumeration(List.of(key)) : super.getHeaders(name);
            }

            @Override
            public Enumeration<String> getHeaderNames() {
              List<String> names = Collections.list(super.getHeaderNames());
              names.removeIf(HEADER::equalsIgnoreCase);
              names.add(HEADER);
              return Collections.enumeration(names);
            }
          },
          response);
    } finally {
      ANSWERING.remove(key);
      answered.complete(null);
    }
  }
}
