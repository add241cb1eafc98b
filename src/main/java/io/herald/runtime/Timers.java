package io.herald.runtime;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Every timer of Herald's own: heartbeats, pings, sweeps, token expiries, reconnects.
 *
 * <p>Not the container's {@code ManagedScheduledExecutorService}: Payara captures the scheduling
 * thread's context for each task (a service-loader scan of every jar of the application) and sets
 * it up again around each run (configuration look-ups), about a millisecond of CPU per tick, which
 * profiled as the largest cost of an idle instance after Tyrus's own timer (docs/performance.md).
 * These threads come from the container's {@link ManagedThreadFactory}, so tasks run with the
 * application's context, taken once per thread. A cancelled task leaves the queue at once (a
 * queued task holds what it closes over, e.g. a connection). Tasks must not wait: one that waits
 * for an answer hands its work to a pool (ClusterAdmin), or uses the container's executor
 * (AdminStream); writes to clients from here (SSE heartbeats) never block. The queue holds one
 * task per periodic duty and one per pending one-off (a typing stop per connection and channel, a
 * routed message up to {@code herald.route.max-forwarded}, an admin request up to
 * {@code herald.admin.max-waiting}), each bounded where it is made.
 */
@ApplicationScoped
public class Timers {
  @Inject
  @ConfigProperty(name = "herald.timer-threads", defaultValue = "4")
  int threads;

  @Resource ManagedThreadFactory threadFactory;

  private ScheduledThreadPoolExecutor pool;
  /** What a timer asked for while the application stops gets: one called off before it was set. */
  private ScheduledFuture<?> never;

  @PostConstruct
  void start() {
    pool = new ScheduledThreadPoolExecutor(Math.max(1, threads), threadFactory);
    pool.setRemoveOnCancelPolicy(true);
    pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    never = pool.schedule(() -> {}, 1, TimeUnit.DAYS);
    never.cancel(false);
  }

  /** Runs nothing more; beans stopping after this one may still ask, and get a cancelled timer. */
  @PreDestroy
  void stop() {
    pool.shutdown();
  }

  /** For code that takes a {@link ScheduledExecutorService}. */
  public ScheduledExecutorService executor() {
    return pool;
  }

  public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
    return unlessStopped(() -> pool.schedule(task, delay, unit));
  }

  public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit) {
    return unlessStopped(() -> pool.scheduleAtFixedRate(task, initialDelay, period, unit));
  }

  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, long initialDelay, long delay, TimeUnit unit) {
    return unlessStopped(() -> pool.scheduleWithFixedDelay(task, initialDelay, delay, unit));
  }

  private ScheduledFuture<?> unlessStopped(java.util.function.Supplier<ScheduledFuture<?>> scheduling) {
    try {
      return scheduling.get();
    } catch (java.util.concurrent.RejectedExecutionException stopped) {
      return never; // the application is stopping (the only way this pool refuses)
    }
  }
}
