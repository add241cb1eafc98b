package io.herald.security;

/**
 * The token expiry a connection holds now. A new one (a refreshed token) calls the one before
 * off; once the connection is closed, the one held and any set later are called off, so nothing
 * keeps a closed connection until its token's expiry, however a close and a set interleave.
 */
public final class ExpirySlot {
  private TokenLifetime.Expiry current;
  private boolean closed;

  /** Holds {@code expiry} in place of the one before, which is called off; if closed, calls it off. */
  public void set(TokenLifetime.Expiry expiry) {
    TokenLifetime.Expiry off;
    synchronized (this) {
      if (closed) {
        off = expiry;
      } else {
        off = current;
        current = expiry;
      }
    }
    if (off != null) {
      off.cancel();
    }
  }

  /** The connection has ended: calls off the expiry held, and any set from now on. */
  public void close() {
    TokenLifetime.Expiry off;
    synchronized (this) {
      closed = true;
      off = current;
      current = null;
    }
    if (off != null) {
      off.cancel();
    }
  }
}
