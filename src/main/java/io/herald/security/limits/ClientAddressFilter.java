package io.herald.security.limits;

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

/**
 * The Jakarta WebSocket API gives a handshake no client address; this filter hands it over as a
 * request header that it sets itself, replacing any a client sent, so per-address limits can be
 * applied to WebSockets too.
 */
@WebFilter(urlPatterns = "/ws", asyncSupported = true)
public class ClientAddressFilter extends HttpFilter {
  public static final String HEADER = "X-Herald-Client-Address";

  @jakarta.inject.Inject ClientAddresses addresses;

  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    String address = addresses.of(request); // behind a trusted proxy, the client's, not the proxy's
    chain.doFilter(
        new HttpServletRequestWrapper(request) {
          @Override
          public String getHeader(String name) {
            return HEADER.equalsIgnoreCase(name) ? address : super.getHeader(name);
          }

          @Override
          public Enumeration<String> getHeaders(String name) {
            return HEADER.equalsIgnoreCase(name)
                ? Collections.enumeration(java.util.List.of(address))
                : super.getHeaders(name);
          }

          @Override
          public Enumeration<String> getHeaderNames() {
            java.util.List<String> names = Collections.list(super.getHeaderNames());
            names.removeIf(HEADER::equalsIgnoreCase);
            names.add(HEADER);
            return Collections.enumeration(names);
          }
        },
        response);
  }
}
