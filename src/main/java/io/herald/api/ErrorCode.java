package io.herald.api;

/**
 * Every error code Herald answers with over HTTP, with its status. The protocol document
 * (docs/protocol.md) lists the same codes; keep them in step.
 */
public enum ErrorCode {
  INVALID_CHANNEL(400, "The channel name does not follow the channel grammar."),
  INVALID_JSON(400, "The request body is not well-formed JSON."),
  INVALID_EVENT(400, "The event is not of the documented shape."),
  INVALID_REQUEST(400, "The request is malformed."),
  INVALID_IDEMPOTENCY_KEY(400, "The Idempotency-Key is empty or too long."),
  INVALID_POSITION(400, "The position is not an event id Herald gave out (docs/protocol.md, \"Positions\")."),
  INVALID_MESSAGE(400, "The message is not valid JSON of a known type with its required fields."),
  TOO_MANY_SUBSCRIPTIONS(400, "The connection already has the maximum number of subscriptions."),
  NOT_AUTHENTICATED(401, "No token was presented."),
  INVALID_TOKEN(401, "The token is invalid, expired, or not signed by a trusted key."),
  PERMISSION_DENIED(403, "The token does not grant this operation."),
  NOT_FOUND(404, "No such resource."),
  TRANSPORT_DISABLED(404, "This transport is turned off on this server (herald.transports)."),
  METHOD_NOT_ALLOWED(405, "The method is not allowed on this resource."),
  NOT_ACCEPTABLE(406, "The requested media type is not served here."),
  PAYLOAD_TOO_LARGE(413, "The request body exceeds the configured limit."),
  TOO_MANY_CONNECTIONS(429, "Too many open connections for this user or address."),
  RATE_LIMIT_EXCEEDED(429, "Too many requests; slow down."),
  UNSUPPORTED_MEDIA_TYPE(415, "The request body must be application/json."),
  INTERNAL_ERROR(500, "Herald failed to handle the request."),
  UNAVAILABLE(503, "Herald cannot take the request right now; retry later.");

  private final int status;
  private final String defaultMessage;

  ErrorCode(int status, String defaultMessage) {
    this.status = status;
    this.defaultMessage = defaultMessage;
  }

  public int status() {
    return status;
  }

  public String defaultMessage() {
    return defaultMessage;
  }
}
