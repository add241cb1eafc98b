package io.herald.asyncapi;

import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.jar.Manifest;

/**
 * {@code GET /asyncapi.json}: the AsyncAPI 3.0 document of this deployment ({@link AsyncApiDocument}).
 * No token: like /openapi, it says what the gateway speaks, not what flows through it. Any origin
 * may read it (AsyncAPI tools load documents from their own pages).
 */
@WebServlet("/asyncapi.json")
public class AsyncApiServlet extends HttpServlet {
  @Inject AsyncApiDocument document;

  private volatile String version;

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String host = request.getServerName() + ":" + request.getServerPort();
    byte[] body = document.build(host, request.isSecure(), version()).toString().getBytes(StandardCharsets.UTF_8);
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    response.setHeader("Cache-Control", "no-cache");
    response.setHeader("Access-Control-Allow-Origin", "*");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  /** Herald's version, from the WAR's manifest (the build writes it). */
  private String version() throws IOException {
    String v = version;
    if (v == null) {
      v = "unknown";
      try (InputStream in = getServletContext().getResourceAsStream("/META-INF/MANIFEST.MF")) {
        if (in != null) {
          String found = new Manifest(in).getMainAttributes().getValue("Implementation-Version");
          v = found == null ? v : found;
        }
      }
      version = v;
    }
    return v;
  }
}
