package io.herald.api;

import static io.herald.api.JsonProviders.JSON;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The one JSON shape of every HTTP error: {@code {"code": "...", "message": "..."}}. */
public final class ErrorBody {
  private ErrorBody() {}

  public static String json(ErrorCode code, String message) {
    return JSON.createObjectBuilder()
        .add("code", code.name())
        .add("message", message == null ? code.defaultMessage() : message)
        .build()
        .toString();
  }

  public static Response response(ErrorCode code, String message) {
    Response.ResponseBuilder builder =
        Response.status(code.status())
            .type(MediaType.APPLICATION_JSON_TYPE)
            .entity(json(code, message));
    if (code.status() == 401) {
      // RFC 6750: tell the client which scheme to use.
      builder.header("WWW-Authenticate", "Bearer realm=\"herald\"");
    }
    return builder.build();
  }
}
