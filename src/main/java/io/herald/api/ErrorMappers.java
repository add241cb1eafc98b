package io.herald.api;

import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Turns every exception that leaves a resource into the documented error body. */
public final class ErrorMappers {
  private static final Logger LOG = Logger.getLogger(ErrorMappers.class.getName());

  private ErrorMappers() {}

  /** Herald's own, expected failures. */
  @Provider
  public static class Known implements ExceptionMapper<HeraldException> {
    @Override
    public Response toResponse(HeraldException e) {
      return ErrorBody.response(e.code(), e.getMessage());
    }
  }

  /** JAX-RS routing failures (unknown path, wrong method, wrong media type). */
  @Provider
  public static class Routing implements ExceptionMapper<WebApplicationException> {
    @Override
    public Response toResponse(WebApplicationException e) {
      Response prepared = e.getResponse();
      if (prepared != null && prepared.hasEntity()) {
        return prepared; // already a documented error body (e.g. 429 with Retry-After)
      }
      ErrorCode code;
      if (e instanceof NotFoundException) {
        code = ErrorCode.NOT_FOUND;
      } else if (e instanceof NotAllowedException) {
        code = ErrorCode.METHOD_NOT_ALLOWED;
      } else if (e instanceof NotSupportedException) {
        code = ErrorCode.UNSUPPORTED_MEDIA_TYPE;
      } else if (e instanceof NotAcceptableException) {
        code = ErrorCode.NOT_ACCEPTABLE;
      } else if (e instanceof ClientErrorException) {
        code = ErrorCode.INVALID_REQUEST;
      } else {
        String id = Incident.log(LOG, Level.WARNING, "Request failed", e);
        return ErrorBody.response(ErrorCode.INTERNAL_ERROR, ErrorCode.INTERNAL_ERROR.defaultMessage(), id);
      }
      Response original = e.getResponse();
      Response answer = ErrorBody.response(code, code.defaultMessage());
      if (original != null && original.getHeaderString("Allow") != null) {
        return Response.fromResponse(answer).header("Allow", original.getHeaderString("Allow")).build();
      }
      return answer;
    }
  }

  /** Anything else is a bug: log it once with its stack, answer without leaking internals. */
  @Provider
  public static class Unexpected implements ExceptionMapper<RuntimeException> {
    @Override
    public Response toResponse(RuntimeException e) {
      if (e instanceof WebApplicationException wae) {
        return new Routing().toResponse(wae);
      }
      if (e instanceof HeraldException he) {
        return new Known().toResponse(he);
      }
      String id = Incident.log(LOG, Level.SEVERE, "Unexpected failure", e);
      return ErrorBody.response(ErrorCode.INTERNAL_ERROR, ErrorCode.INTERNAL_ERROR.defaultMessage(), id);
    }
  }
}
