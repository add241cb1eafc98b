package io.herald.api;

/** A failure that maps to one documented error code; thrown anywhere, answered by the mapper. */
public class HeraldException extends RuntimeException {
  private final ErrorCode code;

  public HeraldException(ErrorCode code, String message) {
    super(message, null, false, false); // no stack trace: these are expected outcomes, not bugs
    this.code = code;
  }

  public HeraldException(ErrorCode code) {
    this(code, code.defaultMessage());
  }

  public ErrorCode code() {
    return code;
  }
}
