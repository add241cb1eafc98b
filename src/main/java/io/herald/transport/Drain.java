package io.herald.transport;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.Reception;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A graceful stop (undeploy): readiness goes DOWN and new connections are refused (503),
 * so the load balancer sends clients elsewhere; every open connection is told to reconnect
 * (WebSocket 1012, SSE {@code reconnect} event) at a random moment within
 * {@code herald.shutdown.spread-ms}, so that they do not all land on the other instances at once;
 * until the last is told, this instance goes on delivering to the rest. Only then does the rest
 * of the shutdown run (the bus drains, the broker is left: jms.md, "Shutting down").
 *
 * <p>On SIGTERM, Payara Micro 6.2025.10 closes the connections and the application's class loader
 * before the application hears of it (measured: WebSocket clients see 1006; a JVM shutdown hook of
 * Herald's own found its classes gone, with or without {@code --shutdowngrace}): clients then
 * reconnect by themselves and resume elsewhere, losing nothing (ClientFailoverIT). Where a hook
 * can run before SIGTERM (Kubernetes preStop), {@link DrainResource} drains first.
 */
@ApplicationScoped
public class Drain {
  private static final Logger LOG = Logger.getLogger(Drain.class.getName());

  @Inject ConnectionRegistry registry;

  @Inject
  @ConfigProperty(name = "herald.shutdown.spread-ms", defaultValue = "5000")
  long spreadMillis;

  private volatile boolean draining;
  private final AtomicBoolean started = new AtomicBoolean();
  /** Completes with the number of connections told, once every one has been. */
  private final CompletableFuture<Integer> done = new CompletableFuture<>();

  /** The longest a drain takes: the spread, then up to 2 s for the last writes, and some slack. */
  public long longestMillis() {
    return spreadMillis + 5_000;
  }

  /** Whether it is stopping: readiness is DOWN ({@code AcceptingReadiness}), new connections refused. */
  public boolean draining() {
    return draining;
  }

  /**
   * Drains ahead of the stop, on {@code executor}, for a hook that runs before the server is told
   * to stop (a Kubernetes preStop: on SIGTERM Payara Micro cuts connections first). Once only:
   * later calls, and the stop itself, wait for the same drain.
   */
  public CompletionStage<Integer> begin(Executor executor) {
    if (started.compareAndSet(false, true)) {
      try {
        executor.execute(this::run);
      } catch (RuntimeException rejected) {
        done.completeExceptionally(rejected); // nobody waits for a drain that never began
      }
    }
    return done;
  }

  /**
   * First among the observers of the end (presence leaves after its clients have moved on). Only
   * if it exists: without it no connection was ever taken, and a failed deployment creates nothing.
   */
  void drain(@Observes(notifyObserver = Reception.IF_EXISTS) @Priority(1000) @BeforeDestroyed(ApplicationScoped.class) Object context)
      throws InterruptedException {
    if (started.compareAndSet(false, true)) {
      run();
      return;
    }
    try {
      done.get(longestMillis(), TimeUnit.MILLISECONDS); // begun by the hook: let it finish
    } catch (ExecutionException | TimeoutException e) {
      LOG.warning("The drain begun before the stop did not finish: " + e);
    }
  }

  private void run() {
    try {
      done.complete(tellAll());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      done.completeExceptionally(e);
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
      throw e;
    }
  }

  private int tellAll() throws InterruptedException {
    draining = true;
    List<Connection> open = registry.all();
    if (open.isEmpty()) {
      return 0;
    }
    LOG.info("Stopping: telling " + open.size() + " connections to reconnect elsewhere within " + spreadMillis + " ms");
    List<long[]> order = new ArrayList<>(); // [moment, index]
    for (int i = 0; i < open.size(); i++) {
      order.add(new long[] {spreadMillis <= 0 ? 0 : ThreadLocalRandom.current().nextLong(spreadMillis + 1), i});
    }
    order.sort((x, y) -> Long.compare(x[0], y[0]));
    long start = System.nanoTime();
    for (long[] at : order) {
      long wait = at[0] - (System.nanoTime() - start) / 1_000_000;
      if (wait > 0) {
        Thread.sleep(wait);
      }
      // a client reconnects after this long (SSE retry); herald.js reconnects on its own backoff
      open.get((int) at[1]).restart(500);
    }
    // what was queued goes out first; give the writes a moment before the transports stop
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (!open.stream().filter(c -> c.transport() != Transport.POLL).allMatch(Connection::isClosed) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    LOG.info("Stopping: " + open.size() + " connections told to reconnect elsewhere");
    return open.size();
  }
}
