package io.herald.demo;

import io.herald.api.ErrorBody;
import io.herald.api.ErrorCode;
import jakarta.inject.Inject;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The demo exists only where it is on (dev mode, or {@code herald.demo.enabled=true}): it lets
 * anyone start jobs and, in dev mode, mint tokens. Elsewhere everything under /demo/ is 404.
 */
@WebFilter("/demo/*")
public class DemoGate extends HttpFilter {
  @Inject DemoSettings settings;

  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (settings.enabled()) {
      chain.doFilter(request, response);
      return;
    }
    ErrorBody.write(response, ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND.defaultMessage());
  }
}
