package io.herald.transport;

/**
 * Where a connection comes from, for the audit log and the admin API: the client's address (behind
 * a trusted proxy, the one it forwarded) and its {@code User-Agent}, either null if not known.
 */
public record Client(String address, String userAgent) {
  public static final Client UNKNOWN = new Client(null, null);

  /** A user agent is the client's own text: kept to a length a log line can carry. */
  public Client {
    if (userAgent != null && userAgent.length() > 256) {
      userAgent = userAgent.substring(0, 256);
    }
  }
}
