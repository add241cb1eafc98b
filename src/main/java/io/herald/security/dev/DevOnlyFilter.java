package io.herald.security.dev;

import io.herald.api.ErrorBody;
import io.herald.api.ErrorCode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** The demo page exists only in dev mode: it mints tokens for whoever opens it. */
@WebFilter("/demo/*")
public class DevOnlyFilter extends HttpFilter {
  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (DevMode.enabled() && !DevMode.keyConfigured()) {
      chain.doFilter(request, response);
      return;
    }
    response.setStatus(404);
    response.setContentType("application/json");
    response.getWriter().write(ErrorBody.json(ErrorCode.NOT_FOUND, ErrorCode.NOT_FOUND.defaultMessage()));
  }
}
