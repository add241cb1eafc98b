package io.herald.api;

import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A failure worth an operator's look: logged with its details under a short correlation id, which
 * the client gets in their place (an error body's {@code correlationId}, a close reason). Clients
 * never see exception classes, broker or parser messages (docs/protocol.md, "Errors").
 */
public final class Incident {
  private Incident() {}

  /** Logs {@code what} and its cause under a new correlation id, and returns the id. */
  public static String log(Logger log, Level level, String what, Throwable cause) {
    String id = UUID.randomUUID().toString().substring(0, 8);
    log.log(level, "[" + id + "] " + what, cause);
    return id;
  }
}
