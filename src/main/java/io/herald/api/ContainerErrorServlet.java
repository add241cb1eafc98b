package io.herald.api;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Error page (WEB-INF/web.xml) for errors the container answers itself before Herald's code
 * runs, chiefly MP-JWT rejecting a bad bearer header: gives them the documented JSON shape.
 */
@WebServlet("/_error")
public class ContainerErrorServlet extends HttpServlet {
  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    int code = status instanceof Integer i ? i : response.getStatus();
    ErrorCode error =
        switch (code) {
          case 401 -> ErrorCode.INVALID_TOKEN;
          case 403 -> ErrorCode.PERMISSION_DENIED;
          case 404 -> ErrorCode.NOT_FOUND;
          case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
          case 413 -> ErrorCode.PAYLOAD_TOO_LARGE;
          default -> code >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.INVALID_REQUEST;
        };
    response.setStatus(code);
    response.setContentType("application/json");
    response.setHeader("Cache-Control", "no-store"); // the request may have carried a token in its URL
    if (code == 401) {
      response.setHeader("WWW-Authenticate", "Bearer realm=\"herald\", error=\"invalid_token\"");
    }
    response.getWriter().write(ErrorBody.json(error, error.defaultMessage()));
  }
}
