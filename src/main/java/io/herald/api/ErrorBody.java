package io.herald.api;

import static io.herald.api.JsonProviders.JSON;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The one JSON shape of every HTTP error: {@code {"code": "...", "message": "..."}}, plus
 * {@code "correlationId"} when the cause was logged for operators ({@link Incident}).
 */
public final class ErrorBody {
  private ErrorBody() {}

  /**
   * Answers a servlet request (a filter's or servlet's own, outside JAX-RS) with the error.
   * Through the output stream, never the writer: a filter before this one may have taken the
   * stream already (SseResponse does, for every SSE request), and then getWriter() throws.
   */
  public static void write(jakarta.servlet.http.HttpServletResponse response, ErrorCode code, String message)
      throws java.io.IOException {
    response.setStatus(code.status());
    response.setContentType("application/json");
    response.getOutputStream().write(json(code, message).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  public static String json(ErrorCode code, String message) {
    return json(code, message, null);
  }

  public static String json(ErrorCode code, String message, String correlationId) {
    var body =
        JSON.createObjectBuilder().add("code", code.name()).add("message", message == null ? code.defaultMessage() : message);
    if (correlationId != null) {
      body.add("correlationId", correlationId);
    }
    return body.build().toString();
  }

  public static Response response(ErrorCode code, String message) {
    return response(code, message, null);
  }

  public static Response response(ErrorCode code, String message, String correlationId) {
    Response.ResponseBuilder builder =
        Response.status(code.status())
            .type(MediaType.APPLICATION_JSON_TYPE)
            .entity(json(code, message, correlationId));
    if (code.status() == 401) {
      // RFC 6750: tell the client which scheme to use.
      builder.header("WWW-Authenticate", "Bearer realm=\"herald\"");
    }
    return builder.build();
  }
}
