package io.herald.observability;

import static io.herald.api.JsonProviders.JSON;

import io.herald.security.Caller;
import io.herald.transport.Client;
import io.herald.transport.Connection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObjectBuilder;
import java.time.Instant;
import java.util.Collection;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.MetricRegistry;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.util.Optional;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The audit trail: one JSON object per line, on the {@code herald.audit} logger at INFO, for every
 * connect, subscribe, refused subscribe, close, token refresh and admin action (operations.md,
 * "Audit log"). Each names who (user, tenant), which connection on which transport, and from where
 * (address, user agent). Never a token: only what was verified from it.
 *
 * <p>A logger of its own, so that ops can route it (a file, a level) apart from the server's log
 * with the usual {@code java.util.logging} configuration.
 */
@ApplicationScoped
public class Audit {
  public static final String LOGGER = "herald.audit";
  private static final Logger LOG = Logger.getLogger(LOGGER);

  @Inject
  @ConfigProperty(name = "herald.audit.enabled", defaultValue = "true")
  boolean enabled;

  /** Where to write the lines as well, one JSON object each and nothing else; unset: the server log only. */
  @Inject
  @ConfigProperty(name = "herald.audit.file")
  Optional<String> file;

  @Inject
  @ConfigProperty(name = "herald.audit.file-max-bytes", defaultValue = "52428800")
  int fileMaxBytes;

  @Inject
  @ConfigProperty(name = "herald.audit.file-count", defaultValue = "5")
  int fileCount;

  /** Lines waiting for the writer; beyond it a line is dropped and counted (herald_audit_dropped_total). */
  @Inject
  @ConfigProperty(name = "herald.audit.queue-size", defaultValue = "10000")
  int queueSize;

  @Inject MetricRegistry metrics;
  @Resource ManagedThreadFactory threads;

  private Handler handler;
  private ThreadPoolExecutor writer;
  private Counter dropped;

  /**
   * With {@code herald.audit.file}, a rotating file of bare JSON lines ({@code file-count} files of
   * at most {@code file-max-bytes}): the server log prefixes each message with its own fields,
   * a collector wants the object alone.
   */
  @PostConstruct
  void start() {
    dropped = metrics.counter("herald.audit.dropped");
    if (!enabled) {
      return;
    }
    // one thread writes, off the caller's: a close can come from the bus's ordered thread (a slow
    // consumer cut during a fan-out), which must not wait on a log handler's disk
    writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueSize), threads);
    openFile();
  }

  private void openFile() {
    if (file.isEmpty()) {
      return;
    }
    try {
      handler = new FileHandler(file.get(), fileMaxBytes, fileCount, true);
      handler.setEncoding(java.nio.charset.StandardCharsets.UTF_8.name());
    } catch (IOException e) {
      throw new IllegalStateException("herald.audit.file=" + file.get() + " cannot be written: " + e.getMessage(), e);
    }
    handler.setFormatter(
        new Formatter() {
          @Override
          public String format(LogRecord line) {
            return line.getMessage() + System.lineSeparator();
          }
        });
    LOG.addHandler(handler);
  }

  /** Made at start, so that an audit file that cannot be written stops the deployment, not a connect. */
  void boot(@Observes @Initialized(ApplicationScoped.class) Object context) {
    // the call makes the container create this bean now
    on();
  }

  @PreDestroy
  void stop() {
    if (writer != null) {
      writer.shutdown();
      try {
        writer.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (handler != null) {
      LOG.removeHandler(handler);
      handler.close();
    }
  }

  public void connected(Connection connection, Client client) {
    if (on()) {
      write(line("connect", connection, client));
    }
  }

  public void closed(Connection connection, Client client, String reason, long durationMillis) {
    if (on()) {
      write(line("close", connection, client).add("reason", reason).add("durationMs", durationMillis));
    }
  }

  public void subscribed(Connection connection, Client client, Collection<String> channels) {
    if (on()) {
      write(line("subscribe", connection, client).add("channels", JSON.createArrayBuilder(channels)));
    }
  }

  /** A subscription refused; {@code connection} is null when it was refused before one opened. */
  public void refused(Caller caller, Connection connection, String transport, Client client, String channels, String code) {
    if (!on()) {
      return;
    }
    JsonObjectBuilder line = base("subscribe_refused", caller, client).add("transport", transport).add("channels", channels).add("code", code);
    if (connection != null) {
      line.add("connectionId", connection.id());
    }
    write(line);
  }

  public void refreshed(Connection connection, Client client, Instant expiresAt) {
    if (on()) {
      write(line("token_refresh", connection, client).add("expiresAt", expiresAt.toString()));
    }
  }

  /** An admin action: {@code what} names it, {@code target} what it was done to. */
  public void admin(Caller admin, Client client, String what, JsonObjectBuilder target) {
    if (on()) {
      write(base("admin", admin, client).add("action", what).add("target", target));
    }
  }

  private JsonObjectBuilder line(String event, Connection connection, Client client) {
    return base(event, connection.caller(), client)
        .add("connectionId", connection.id())
        .add("transport", connection.transport().label());
  }

  private static JsonObjectBuilder base(String event, Caller caller, Client client) {
    JsonObjectBuilder line = JSON.createObjectBuilder().add("audit", event).add("time", Instant.now().toString());
    if (caller != null) {
      line.add("user", caller.subject()).add("tenant", caller.tenant());
    }
    Client from = client == null ? Client.UNKNOWN : client;
    nullable(line, "address", from.address());
    nullable(line, "userAgent", from.userAgent());
    return line;
  }

  private static void nullable(JsonObjectBuilder line, String name, String value) {
    if (value == null) {
      line.addNull(name);
    } else {
      line.add(name, value);
    }
  }

  /** Whether lines are written: checked before one is built, as most calls come per connection. */
  private boolean on() {
    return enabled && writer != null && LOG.isLoggable(Level.INFO);
  }

  private void write(JsonObjectBuilder line) {
    String text = line.build().toString();
    try {
      writer.execute(() -> LOG.info(text));
    } catch (RejectedExecutionException full) {
      dropped.inc();
    }
  }
}
