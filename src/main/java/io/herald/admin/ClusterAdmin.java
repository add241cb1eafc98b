package io.herald.admin;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.bus.EventBus;
import io.herald.bus.InstanceIdentity;
import io.herald.bus.Signal;
import io.herald.presence.Presence;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.ScheduledFuture;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Asks every instance at once: this one answers for its own connections ({@link LocalAdmin})
 * directly, whatever the broker's state; an {@code admin} signal takes the request to the others,
 * each answers with an {@code admin_answer} signal, and the asker gathers the answers
 * until every instance it knows of (presence's count) has answered or
 * {@code herald.admin.timeout-ms} has passed. Signals may be dropped, so an answer says which
 * instances it heard from.
 */
@ApplicationScoped
public class ClusterAdmin {
  private static final Logger LOG = Logger.getLogger(ClusterAdmin.class.getName());

  @Inject EventBus bus;
  @Inject InstanceIdentity instance;
  @Inject Presence presence;
  @Inject LocalAdmin local;
  @Inject AdminSettings settings;

  @Resource ManagedExecutorService executor;
  @Inject io.herald.runtime.Timers scheduler;

  /** A request's answers so far, and how many it waits for. */
  private static final class Gathering {
    final CompletableFuture<List<JsonObject>> done = new CompletableFuture<>();
    final List<JsonObject> answers = new ArrayList<>();
    final int expected;

    Gathering(int expected) {
      this.expected = expected;
    }
  }

  private final Map<String, Gathering> waiting = new ConcurrentHashMap<>();

  /**
   * The instances heard from lately (a hello or an answer), with when: how many answers to wait
   * for. Bounded by the instances of the cluster; forgotten after three missed hellos.
   */
  private final Map<String, Long> known = new ConcurrentHashMap<>();

  private static final long HELLO_MILLIS = 2_000;
  private ScheduledFuture<?> hellos;

  /**
   * Says hello to the others now and every 2 s (a few bytes per instance); one that hears a hello
   * from an instance it did not know answers with its own, so a new instance and the others know
   * each other at once.
   */
  @PostConstruct
  void start() {
    hellos = scheduler.scheduleWithFixedDelay(this::hello, 0, HELLO_MILLIS, TimeUnit.MILLISECONDS);
  }

  @PreDestroy
  void stop() {
    hellos.cancel(false);
  }

  /** Made at start: the hellos begin with the application, not with the first admin request. */
  void boot(@Observes @Initialized(ApplicationScoped.class) Object context) {
    known.size();
  }

  private void hello() {
    String body = JSON.createObjectBuilder().add("op", "hello").add("from", instance.id()).build().toString();
    bus.signal(new Signal(Signal.Kind.ADMIN, null, null, null, body));
  }

  private void heard(String from) {
    long now = System.currentTimeMillis();
    boolean isNew = known.put(from, now) == null;
    known.values().removeIf(at -> now - at > 3 * HELLO_MILLIS);
    if (isNew && !from.equals(instance.id())) {
      hello();
    }
  }

  /** The instances to wait for: those heard from lately, at least presence's count and this one. */
  private int expected() {
    long now = System.currentTimeMillis();
    long recent = known.values().stream().filter(at -> now - at <= 3 * HELLO_MILLIS).count();
    return (int) Math.max(1, Math.max(recent, presence.instances()));
  }

  /**
   * Asks every instance {@code op} within {@code tenant} (null: every tenant); completes with each
   * answering instance's {@code {"instance":..., "result":{...}}}.
   */
  public CompletableFuture<List<JsonObject>> ask(String op, String tenant, JsonObject params) {
    if (waiting.size() >= settings.maxWaiting()) {
      throw new HeraldException(ErrorCode.UNAVAILABLE, "Too many admin requests waiting for the instances; retry.");
    }
    String request = UUID.randomUUID().toString();
    Gathering gathering = new Gathering(expected());
    waiting.put(request, gathering);
    scheduler.schedule(() -> finish(request), settings.timeoutMillis(), TimeUnit.MILLISECONDS);
    // this instance answers at once, whatever the broker's state; the others over the bus
    executor.execute(() -> gathered(request, instance.id(), result(op, tenant, params)));
    String body =
        JSON.createObjectBuilder()
            .add("request", request)
            .add("from", instance.id())
            .add("op", op)
            .add("params", params)
            .build()
            .toString();
    bus.signal(new Signal(Signal.Kind.ADMIN, tenant, null, null, body));
    return gathering.done;
  }

  /** Completes a request with what came; on a pool thread: the admin's response is written from here. */
  private void finish(String request) {
    Gathering gathering = waiting.remove(request);
    if (gathering != null) {
      List<JsonObject> answers;
      synchronized (gathering) {
        answers = List.copyOf(gathering.answers);
      }
      executor.execute(() -> gathering.done.complete(answers));
    }
  }

  void received(@ObservesAsync Signal signal) {
    try {
      switch (signal.kind()) {
        case ADMIN -> {
          JsonObject request = read(signal.body());
          String from = request.getString("from");
          heard(from);
          if (!"hello".equals(request.getString("op")) && !from.equals(instance.id())) {
            // off the bus's thread: listing walks every connection of this instance
            executor.execute(() -> answer(signal.tenant(), request));
          }
        }
        case ADMIN_ANSWER -> {
          // for one instance: the others skip it unread (answers can be long lists)
          if (signal.body().startsWith(answerPrefix())) {
            executor.execute(() -> answered(read(signal.body())));
          }
        }
        default -> {
          // not an admin's
        }
      }
    } catch (JsonException | NullPointerException | ClassCastException e) {
      LOG.log(Level.WARNING, "Malformed " + signal.kind() + " signal dropped", e);
    }
  }

  /** How an answer for this instance starts: {@code to} comes first (see {@link #answer}). */
  private String answerPrefix() {
    return "{\"to\":" + JSON.createValue(instance.id()).toString() + ",";
  }

  private JsonObject result(String op, String tenant, JsonObject params) {
    try {
      return local.answer(op, tenant, params);
    } catch (RuntimeException e) {
      String id = io.herald.api.Incident.log(LOG, Level.WARNING, "An admin request failed here", e);
      return JSON.createObjectBuilder().add("error", "failed on this instance; correlationId " + id).build();
    }
  }

  private void answer(String tenant, JsonObject request) {
    JsonObject result = result(request.getString("op"), tenant, request.getJsonObject("params"));
    String body =
        JSON.createObjectBuilder()
            .add("to", request.getString("from"))
            .add("request", request.getString("request"))
            .add("instance", instance.id())
            .add("result", result)
            .build()
            .toString();
    bus.signal(new Signal(Signal.Kind.ADMIN_ANSWER, tenant, null, null, body));
  }

  private void answered(JsonObject answer) {
    String from = answer.getString("instance");
    heard(from);
    gathered(answer.getString("request"), from, answer.getJsonObject("result"));
  }

  private void gathered(String request, String from, JsonObject result) {
    Gathering gathering = waiting.get(request);
    if (gathering == null) {
      return; // too late: the request was answered with what had come
    }
    boolean complete;
    synchronized (gathering) {
      gathering.answers.add(JSON.createObjectBuilder().add("instance", from).add("result", result).build());
      complete = gathering.answers.size() >= gathering.expected;
    }
    if (complete) {
      finish(request);
    }
  }

  private static JsonObject read(String json) {
    try (var reader = JSON.createReader(new StringReader(json))) {
      return reader.readObject();
    }
  }
}
