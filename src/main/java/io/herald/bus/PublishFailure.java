package io.herald.bus;

import io.herald.api.Incident;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Why distribution did not take an event. Every kind means the same to a publisher (503
 * {@code UNAVAILABLE}, retry, with the same idempotency key to publish once); the kind only
 * words the message, which never carries a broker's own text.
 */
public final class PublishFailure extends RuntimeException {
  private static final Logger LOG = Logger.getLogger(PublishFailure.class.getName());

  /** What went wrong, in words a publisher can act on. */
  public enum Kind {
    NOT_CONNECTED("The broker is not reachable right now; retry."),
    OVERLOADED("Herald is at capacity (its bus or send queue is full); retry after Retry-After."),
    TIMEOUT("The event could not be handed to distribution in time; retry."),
    STOPPING("This instance is shutting down; retry (on another instance)."),
    BROKER("The broker refused the event; retry.");

    private final String message;

    Kind(String message) {
      this.message = message;
    }
  }

  private final Kind kind;
  private final String correlationId;

  public PublishFailure(Kind kind) {
    this(kind, null);
  }

  private PublishFailure(Kind kind, String correlationId) {
    super(kind.message, null, false, false);
    this.kind = kind;
    this.correlationId = correlationId;
  }

  /** A failure whose cause is logged for operators under a correlation id. */
  public static PublishFailure logged(Kind kind, String what, Throwable cause) {
    return new PublishFailure(kind, Incident.log(LOG, Level.WARNING, what, cause));
  }

  /** The failure behind whatever a publish completed with. */
  public static PublishFailure of(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof PublishFailure known) {
      return known;
    }
    if (cause instanceof TimeoutException) {
      return new PublishFailure(Kind.TIMEOUT);
    }
    return logged(Kind.BROKER, "A publish failed", cause);
  }

  public Kind kind() {
    return kind;
  }

  /** The id under which the cause was logged, or null if there was nothing to log. */
  public String correlationId() {
    return correlationId;
  }
}
