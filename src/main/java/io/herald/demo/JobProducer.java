package io.herald.demo;

import io.herald.distribution.Producers;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.TextMessage;
import jakarta.json.Json;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The demo's "other enterprise system": runs make-believe jobs and reports their progress as a
 * batch system would, with JMS messages to Herald's ingress topic (docs/jms.md, form 1), logged
 * in as a producer. Nothing goes through Herald's HTTP API: the browser sees what the broker
 * carried. Every sixth job fails at about 70%, so that the board shows what failure looks like.
 */
@ApplicationScoped
public class JobProducer {
  static final String CHANNEL = "jobs.board";
  static final String EVENT = "job.progress";
  private static final Logger LOG = Logger.getLogger(JobProducer.class.getName());
  private static final List<String> STEPS =
      List.of("Reading input", "Validating records", "Transforming", "Writing output", "Verifying");

  @Inject Producers producers;
  @Inject DemoSettings settings;

  @Inject io.herald.runtime.Timers scheduler;

  // numbers from a random start and keys with this run's own prefix: two instances (or a restart
  // within the idempotency window) neither show each other's jobs as one nor drop them as repeats
  private final AtomicInteger ids = new AtomicInteger(ThreadLocalRandom.current().nextInt(1000, 9000));
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final AtomicInteger running = new AtomicInteger();

  /** Starts a job; empty when {@code herald.demo.max-jobs} are running already. */
  Optional<String> start(String title) {
    if (running.incrementAndGet() > settings.maxJobs()) {
      running.decrementAndGet();
      return Optional.empty();
    }
    int number = ids.incrementAndGet();
    Job job = new Job("J-" + number, title, number % 6 == 0);
    step(job);
    return Optional.of(job.id);
  }

  /** One progress message, then the next step a moment later, until the job ends (or fails to go on). */
  private void step(Job job) {
    boolean next = false;
    try {
      job.advance();
      send(job);
      if (job.status.equals("running") || job.status.equals("queued")) {
        scheduler.schedule(() -> step(job), ThreadLocalRandom.current().nextInt(400, 900), TimeUnit.MILLISECONDS);
        next = true;
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "Demo job " + job.id + " stopped", e); // e.g. the scheduler is shutting down
    } finally {
      if (!next) {
        running.decrementAndGet(); // its place is free again, however it ended
      }
    }
  }

  private void send(Job job) {
    String data =
        Json.createObjectBuilder()
            .add("job", job.id)
            .add("title", job.title)
            .add("pct", job.pct)
            .add("status", job.status)
            .add("step", job.step)
            .build()
            .toString();
    try (JMSContext jms = producers.open(settings.producerUser(), settings.producerPassword())) {
      TextMessage message = jms.createTextMessage(data);
      message.setStringProperty("channel", CHANNEL);
      message.setStringProperty("event", EVENT);
      message.setStringProperty("publisher", "demo-jobs");
      // a producer's retry after a lost acknowledgement is then not shown twice
      message.setStringProperty("idempotencyKey", run + "-" + job.id + "-" + job.sent++);
      if (settings.tenant().isPresent()) {
        message.setStringProperty("tenant", settings.tenant().get());
      }
      jms.createProducer().send(producers.topic(jms), message);
    } catch (JMSRuntimeException | JMSException e) {
      // the broker is away: this step is not shown, the next one says where the job stands
      LOG.log(Level.WARNING, "Demo job " + job.id + ": its progress message could not be sent", e);
    }
  }

  /** A job's state, touched only by its own chain of steps (one at a time). */
  private static final class Job {
    final String id;
    final String title;
    final boolean fails;
    int pct = -1;
    int sent;
    String status = "queued";
    String step = "Queued";

    Job(String id, String title, boolean fails) {
      this.id = id;
      this.title = title;
      this.fails = fails;
    }

    void advance() {
      if (pct < 0) {
        pct = 0; // the first message says it is queued
        return;
      }
      pct = Math.min(100, pct + ThreadLocalRandom.current().nextInt(6, 16));
      if (fails && pct >= 70) {
        status = "failed";
        step = "Failed: 3 records rejected by the ledger";
      } else if (pct == 100) {
        status = "done";
        step = "Done";
      } else {
        status = "running";
        step = STEPS.get(Math.min(STEPS.size() - 1, pct * STEPS.size() / 100));
      }
    }
  }
}
