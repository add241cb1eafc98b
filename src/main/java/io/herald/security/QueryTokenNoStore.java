package io.herald.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Every answer to a request that carries a token in its URL ({@code access_token}) says
 * {@code Cache-Control: no-store}, errors included: no cache along the way may keep what such a
 * URL returned (docs/security.md, "Where tokens go").
 */
@WebFilter(urlPatterns = "/*", asyncSupported = true)
public class QueryTokenNoStore extends HttpFilter {
  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (carriesToken(request.getQueryString())) {
      response.setHeader("Cache-Control", "no-store");
    }
    chain.doFilter(request, response);
  }

  static boolean carriesToken(String query) {
    if (query == null) {
      return false;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith(QueryToken.PARAMETER + "=")) {
        return true;
      }
    }
    return false;
  }
}
