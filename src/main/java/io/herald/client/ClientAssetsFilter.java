package io.herald.client;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The browser client's files as a public library is served: any origin may import them (a module
 * script from another origin loads only with CORS), without credentials, which they never need;
 * and revalidated on every load (the default servlet answers 304 while unchanged), so that a new
 * Herald's client reaches pages at once. The API's own CORS rules (herald.security.allowed-origins)
 * still decide which pages may connect. The SharedWorker script is not here: browsers start a
 * worker only from the page's own origin anyway.
 */
@WebFilter({"/herald.js", "/herald.min.js", "/herald.min.js.map", "/herald.d.ts"})
public class ClientAssetsFilter extends HttpFilter {
  @Override
  protected void doFilter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    response.setHeader("Access-Control-Allow-Origin", "*");
    response.setHeader("Cache-Control", "no-cache");
    chain.doFilter(request, response);
  }
}
