package io.herald.security.limits;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * Open connections per user and per client address, across transports on this instance. A
 * connection takes a place when it opens ({@link #admit}) and gives it back when it closes
 * ({@link Slot#release}, once, however many of its paths call it); over a limit it is refused
 * with {@code TOO_MANY_CONNECTIONS}.
 */
@ApplicationScoped
public class ConnectionCounts {
  @Inject Limits limits;
  @Inject MetricRegistry metrics;

  private final Map<String, Integer> perUser = new ConcurrentHashMap<>();
  private final Map<String, Integer> perIp = new ConcurrentHashMap<>();

  /** A connection's place; giving it back twice gives it back once. */
  public final class Slot {
    private final String tenant;
    private final String user;
    private final String ip;
    private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

    private Slot(String tenant, String user, String ip) {
      this.tenant = tenant;
      this.user = user;
      this.ip = ip;
    }

    public void release() {
      if (released.compareAndSet(false, true)) {
        ConnectionCounts.this.release(tenant, user, ip);
      }
    }
  }

  /** A place for one more connection of this user from this address, or the refusal. */
  public Slot admit(String tenant, String user, String ip) {
    take(tenant, user, ip);
    return new Slot(tenant, user, ip);
  }

  private void take(String tenant, String user, String ip) {
    String userKey = tenant + '\u001f' + user;
    if (!take(perUser, userKey, limits.connectionsPerUser())) {
      refuse("user", "At most " + limits.connectionsPerUser() + " connections per user.");
    }
    if (ip != null && !take(perIp, ip, limits.connectionsPerIp())) {
      give(perUser, userKey);
      refuse("ip", "At most " + limits.connectionsPerIp() + " connections per address.");
    }
  }

  private void release(String tenant, String user, String ip) {
    give(perUser, tenant + '\u001f' + user);
    if (ip != null) {
      give(perIp, ip);
    }
  }

  private void refuse(String which, String message) {
    metrics.counter("herald.limits.refused", new Tag("limit", "connections_per_" + which)).inc();
    throw new HeraldException(ErrorCode.TOO_MANY_CONNECTIONS, message);
  }

  private static boolean take(Map<String, Integer> counts, String key, int limit) {
    boolean[] taken = {false};
    counts.compute(
        key,
        (k, n) -> {
          int current = n == null ? 0 : n;
          if (current >= limit) {
            return n;
          }
          taken[0] = true;
          return current + 1;
        });
    return taken[0];
  }

  private static void give(Map<String, Integer> counts, String key) {
    counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
  }
}
