package io.herald.transport.route;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.bus.EventBus;
import io.herald.bus.InstanceIdentity;
import io.herald.bus.Signal;
import io.herald.presence.Presence;
import io.herald.security.Caller;
import io.herald.transport.Connection;
import io.herald.transport.ConnectionRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * A message sent over HTTP to an instance that does not hold its connection: it goes over the bus
 * to every instance (a {@code route} signal); the one that holds the connection handles it as its
 * own ({@link LocalRoute}) and sends the answer back (a {@code routed} signal) to the instance the
 * client waits on. The holder says "mine" at once (an {@code ack}), then answers when done: no
 * ack within {@code herald.route.forward-timeout-ms} means no instance holds it (404, as for an
 * unknown connection); an ack but no answer within {@code herald.route.answer-timeout-ms} means
 * the outcome is unknown (503; a publish with an idempotency key is safe to send again).
 *
 * <p>The sender's identity travels as the instance that verified its token saw it (user and
 * tenant); the holder checks it against its connection. Only Herald may write the topic the bus
 * uses (docs/jms.md, "Trust"), so the holder trusts it as it trusts events.
 */
@ApplicationScoped
public class RemoteRoute {
  private static final Logger LOG = Logger.getLogger(RemoteRoute.class.getName());

  @Inject EventBus bus;
  @Inject InstanceIdentity instance;
  @Inject Presence presence;
  @Inject ConnectionRegistry registry;
  @Inject LocalRoute local;
  @Inject MetricRegistry metrics;

  @Inject
  @ConfigProperty(name = "herald.route.forward-timeout-ms", defaultValue = "2000")
  long timeoutMillis;

  @Inject
  @ConfigProperty(name = "herald.route.answer-timeout-ms", defaultValue = "10000")
  long answerTimeoutMillis;

  @Inject
  @ConfigProperty(name = "herald.route.max-forwarded", defaultValue = "1000")
  int maxForwarded;

  @Inject io.herald.runtime.Timers scheduler;

  /** A forwarded message waiting for its answer, and the clock that gives up on it. */
  private static final class Waiting {
    final CompletableFuture<RouteReply> answer = new CompletableFuture<>();
    volatile ScheduledFuture<?> timer;
  }

  /** Forwarded messages waiting for their answer, by request id. */
  private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();

  @PostConstruct
  void start() {
    metrics.gauge("herald.route.forwarded.waiting", waiting, Map::size);
  }

  /** Sends {@code body} to whichever instance holds {@code connectionId}; its answer, or 404. */
  CompletionStage<RouteReply> forward(String connectionId, Caller caller, String body) {
    if (presence.instances() <= 1) {
      return done("not_found", RouteReply.notFound(connectionId)); // no other instance to hold it
    }
    if (waiting.size() >= maxForwarded) {
      return done("refused", RouteReply.error(ErrorCode.UNAVAILABLE, "Too many messages waiting for other instances; send again.", null));
    }
    String request = UUID.randomUUID().toString();
    Waiting w = new Waiting();
    waiting.put(request, w);
    w.timer = giveUp(request, timeoutMillis, "not_found", RouteReply.notFound(connectionId));
    String json =
        JSON.createObjectBuilder()
            .add("request", request)
            .add("from", instance.id())
            .add("connection", connectionId)
            .add("user", caller.subject())
            .add("message", body == null ? "" : body)
            .build()
            .toString();
    bus.signal(new Signal(Signal.Kind.ROUTE, caller.tenant(), null, null, json));
    return w.answer;
  }

  /** After {@code millis}, answers {@code request} with {@code reply} if nothing else did. */
  private ScheduledFuture<?> giveUp(String request, long millis, String result, RouteReply reply) {
    return scheduler.schedule(
        () -> {
          Waiting w = waiting.remove(request);
          if (w != null) {
            count(result);
            w.answer.complete(reply);
          }
        },
        millis,
        TimeUnit.MILLISECONDS);
  }

  void received(@ObservesAsync Signal signal) {
    try {
      switch (signal.kind()) {
        case ROUTE -> handle(signal);
        case ROUTED -> answered(read(signal.body()));
        default -> {
          // typing and presence are the registry's
        }
      }
    } catch (JsonException | NullPointerException | ClassCastException e) {
      LOG.log(Level.WARNING, "Malformed " + signal.kind() + " signal dropped", e);
    }
  }

  /** A request for a connection this instance may hold: handled here and answered, or ignored. */
  private void handle(Signal signal) {
    JsonObject request = read(signal.body());
    Connection connection = registry.find(request.getString("connection"));
    if (connection == null) {
      return; // another instance's, or none: the sender's timeout says so
    }
    String from = request.getString("from");
    String id = request.getString("request");
    reply(signal.tenant(), JSON.createObjectBuilder().add("request", id).add("to", from).add("ack", true));
    local
        .handle(connection, signal.tenant(), request.getString("user"), request.getString("message"))
        .thenAccept(
            reply ->
                reply(
                    signal.tenant(),
                    JSON.createObjectBuilder()
                        .add("request", id)
                        .add("to", from)
                        .add("status", reply.status())
                        .add("body", reply.json())
                        .add("retry", reply.retry())));
  }

  private void reply(String tenant, jakarta.json.JsonObjectBuilder body) {
    bus.signal(new Signal(Signal.Kind.ROUTED, tenant, null, null, body.build().toString()));
  }

  private void answered(JsonObject reply) {
    if (!instance.id().equals(reply.getString("to"))) {
      return;
    }
    String request = reply.getString("request");
    Waiting w = waiting.get(request);
    if (w == null) {
      return; // given up on already
    }
    w.timer.cancel(false);
    if (reply.getBoolean("ack", false)) {
      // the holder has it: now its answer is waited for, as long as a publish may take
      w.timer =
          giveUp(
              request,
              answerTimeoutMillis,
              "unanswered",
              RouteReply.error(
                  ErrorCode.UNAVAILABLE,
                  "The instance that holds the connection did not answer in time; the outcome is unknown (a publish with an idempotency key may be sent again).",
                  null));
      return;
    }
    if (waiting.remove(request) != null) {
      count("answered");
      w.answer.complete(new RouteReply(reply.getInt("status"), reply.getString("body"), reply.getBoolean("retry")));
    }
  }

  private CompletionStage<RouteReply> done(String result, RouteReply reply) {
    count(result);
    return CompletableFuture.completedFuture(reply);
  }

  private void count(String result) {
    metrics.counter("herald.route.forwarded", new Tag("result", result)).inc();
  }

  private static JsonObject read(String json) {
    try (var reader = JSON.createReader(new StringReader(json))) {
      return reader.readObject();
    }
  }
}
