package io.herald.distribution;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/** A receiving loop on a thread of its own, which stops at its next turn (its receive waits are short). */
abstract class Loop implements Runnable {
  private final Thread thread;
  protected volatile boolean running = true;

  Loop(ThreadFactory threads, String name) {
    thread = threads.newThread(this);
    thread.setName(name);
  }

  void start() {
    thread.start();
  }

  /** Stops without waiting: the connection is being closed under it. */
  void halt() {
    running = false;
  }

  /** Stops after what it has in hand, waiting (bounded) for it. */
  void stop() {
    running = false;
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
