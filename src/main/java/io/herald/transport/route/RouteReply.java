package io.herald.transport.route;

import io.herald.api.ErrorBody;
import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;

/**
 * The answer to a message sent over HTTP, wherever its connection is: the status and the JSON
 * body, the same whether this instance handled it or the one that holds the connection did.
 *
 * @param retry whether the client may send it again in a moment ({@code Retry-After})
 */
record RouteReply(int status, String json, boolean retry) {

  static RouteReply ok(String json) {
    return new RouteReply(200, json, false);
  }

  static RouteReply of(HeraldException e) {
    return error(e.code(), e.getMessage(), null);
  }

  static RouteReply error(ErrorCode code, String message, String correlationId) {
    return new RouteReply(code.status(), ErrorBody.json(code, message, correlationId), code == ErrorCode.UNAVAILABLE);
  }

  static RouteReply notFound(String connectionId) {
    // another user's connection is not told apart from none: ids are not to be probed
    return error(ErrorCode.NOT_FOUND, "No open connection '" + connectionId + "' of yours.", null);
  }
}
