package io.herald.distribution;

import jakarta.enterprise.concurrent.ManagedThreadFactory;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one thread of {@link JmsBroker} for every JMS call but receiving: sessions are
 * single-threaded, and one thread keeps publish order. Its queue is bounded, so that a broker
 * slower than the publishers refuses them (503) instead of filling the heap; the broker's own
 * housekeeping (a lost connection, a barrier, the shutdown) gets past the bound by waiting.
 */
final class SendThread {
  private static final Logger LOG = Logger.getLogger(SendThread.class.getName());

  private final ThreadPoolExecutor executor;
  private final ScheduledExecutorService scheduler;

  SendThread(int queueSize, ManagedThreadFactory threads, ScheduledExecutorService scheduler) {
    this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueSize), threads);
    this.scheduler = scheduler;
  }

  /** Tasks waiting (the gauge {@code herald.broker.send.queue.depth}). */
  int depth() {
    return executor.getQueue().size();
  }

  /** Queues a task; refused at once when the queue is full (publishes fail fast). */
  void execute(Runnable task) throws RejectedExecutionException {
    executor.execute(task);
  }

  /** As {@link #execute}, for a caller that waits for the task (the first connect). */
  Future<?> submit(Runnable task) throws RejectedExecutionException {
    return executor.submit(task);
  }

  /** Runs a task on the thread; if its queue is full, a scheduler thread waits for room. */
  void eventually(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException full) {
      scheduler.execute(
          () -> {
            try {
              executor.getQueue().put(task); // the thread is running; this only waits for room
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
    }
  }

  /** Runs a task past the queue's bound, and waits (bounded) for it. */
  void await(Runnable task) {
    FutureTask<Void> done = new FutureTask<>(task, null);
    try {
      if (!executor.getQueue().offer(done, 10, TimeUnit.SECONDS)) {
        LOG.warning("The broker's sender thread is stuck; leaving without it");
        return;
      }
      done.get(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.log(Level.WARNING, "Broker shutdown incomplete", e);
    }
  }

  void shutdown() {
    executor.shutdown();
  }
}
