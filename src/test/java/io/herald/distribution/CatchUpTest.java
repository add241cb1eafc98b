package io.herald.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.JMSException;
import java.util.concurrent.BlockingQueue;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When an instance counts as caught up with what its subscription kept (docs/jms.md,
 * "Subscriptions"): only once the barrier of its current connection is back; a barrier that does
 * not come back in time (expired, purged) is followed by another, so the instance is never left
 * behind for good; a lost connection's barrier means nothing.
 */
class CatchUpTest {
  private static final long RESEND = CatchUp.RESEND_MILLIS;

  /** Time passes when the test says so: what CatchUp schedules waits here until {@link #aMinutePasses}. */
  private final List<Runnable> scheduled = new CopyOnWriteArrayList<>();
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1) {
    @Override
    public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
      assertEquals(RESEND, unit.toMillis(delay), "a barrier is given a minute");
      scheduled.add(task);
      return null;
    }
  };
  private final BlockingQueue<String> sent = new LinkedBlockingQueue<>();
  private final BlockingQueue<Exception> failures = new LinkedBlockingQueue<>();
  private volatile boolean sendFails;

  private final CatchUp catchUp = new CatchUp("herald-a", RESEND, scheduler, new CatchUp.Barriers() {
    @Override
    public void send(String token) throws JMSException {
      if (sendFails) {
        throw new JMSException("the broker is gone");
      }
      sent.add(token);
    }

    @Override
    public void onSender(Runnable task) {
      task.run();
    }

    @Override
    public void failed(Exception e) {
      failures.add(e);
    }
  });

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private void aMinutePasses() {
    List<Runnable> due = List.copyOf(scheduled);
    scheduled.clear();
    due.forEach(Runnable::run);
  }

  @Test
  void anInstanceIsBehindUntilItsBarrierIsBack() throws Exception {
    assertTrue(catchUp.behind(), "never connected");
    catchUp.connected();
    String barrier = sent.take();
    assertTrue(catchUp.behind(), "its backlog is still coming");
    assertTrue(catchUp.awaits(barrier));
    assertFalse(catchUp.awaits("herald-b:" + barrier), "another instance's barrier is skipped");

    catchUp.reached(new String(barrier.toCharArray())); // as read from a message: equal, not the same object
    assertFalse(catchUp.behind());
    aMinutePasses();
    assertNull(sent.poll(), "nothing is sent again once it is back");
  }

  @Test
  void aBarrierNotBackInTimeIsFollowedByAnother() throws Exception {
    catchUp.connected();
    String first = sent.take();
    aMinutePasses();
    String second = sent.poll();
    assertNotEquals(null, second, "another barrier after the first did not come back");
    assertNotEquals(first, second);

    catchUp.reached(first); // late: the instance waits for the newer one
    assertTrue(catchUp.behind());
    catchUp.reached(second);
    assertFalse(catchUp.behind());
  }

  @Test
  void aLostConnectionsBarrierIsNotSentAgainNorCounted() throws Exception {
    catchUp.connected();
    String barrier = sent.take();
    catchUp.lost();
    aMinutePasses();
    assertNull(sent.poll(), "no barrier for a connection that is gone");
    catchUp.reached(barrier);
    assertTrue(catchUp.behind(), "never caught up: its barrier belonged to a lost connection");
  }

  @Test
  void aFailedResendLosesTheConnection() throws Exception {
    catchUp.connected();
    sent.take();
    sendFails = true;
    aMinutePasses();
    Exception failure = failures.poll();
    assertEquals("the broker is gone", failure == null ? null : failure.getMessage(), "the connection is given up");
    assertTrue(scheduled.isEmpty(), "no more barriers on a connection given up");
  }

  @Test
  void aReconnectAfterCatchingUpIsBehindOnlyUntilItsOwnBarrier() throws Exception {
    catchUp.connected();
    catchUp.reached(sent.take());
    catchUp.lost();
    assertFalse(catchUp.behind(), "its history is good up to the loss: it keeps serving");
    catchUp.connected();
    String again = sent.take();
    assertTrue(catchUp.behind(), "taking in what was kept while it was away");
    catchUp.reached(again);
    assertFalse(catchUp.behind());
  }
}
