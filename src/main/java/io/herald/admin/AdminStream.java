package io.herald.admin;

import static io.herald.api.JsonProviders.JSON;

import io.herald.api.ErrorCode;
import io.herald.api.HeraldException;
import io.herald.observability.Traffic;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The live dashboard's feed: every {@code herald.admin.stream-ms} each open admin stream gets a
 * {@code figures} event with every instance's figures and its tenant's busiest channels. The
 * cluster is asked once per tick for all streams (the busiest channels are every instance's
 * figures already: each sees every event). The ticks run only while a stream is open.
 */
@ApplicationScoped
public class AdminStream {
  private static final Logger LOG = Logger.getLogger(AdminStream.class.getName());

  @Inject ClusterAdmin cluster;
  @Inject Traffic traffic;

  @Inject
  @ConfigProperty(name = "herald.admin.stream-ms", defaultValue = "2000")
  long everyMillis;

  @Inject
  @ConfigProperty(name = "herald.admin.max-streams", defaultValue = "16")
  int maxStreams;

  /**
   * The container's, not Herald's own timers (runtime/Timers): a tick waits for the instances'
   * answers and writes to the dashboards, and Herald's timers must never wait. Ticks run only
   * while a dashboard is open, so the container's per-task cost does not matter here.
   */
  @jakarta.annotation.Resource jakarta.enterprise.concurrent.ManagedScheduledExecutorService scheduler;

  /** An open dashboard: its sink, and the tenant it is held to (null: every tenant). */
  private record Watcher(SseEventSink sink, Sse sse, String tenant) {}

  private final Map<SseEventSink, Watcher> watchers = new ConcurrentHashMap<>();
  private ScheduledFuture<?> ticks;

  synchronized void open(SseEventSink sink, Sse sse, String tenant) {
    if (watchers.size() >= maxStreams) {
      throw new HeraldException(ErrorCode.UNAVAILABLE, "At most " + maxStreams + " admin streams at once (herald.admin.max-streams).");
    }
    watchers.put(sink, new Watcher(sink, sse, tenant));
    if (ticks == null) {
      ticks = scheduler.scheduleWithFixedDelay(this::tick, 0, everyMillis, TimeUnit.MILLISECONDS);
    }
  }

  /** Never throws: a scheduled task that throws is not run again, and every dashboard would freeze. */
  private void tick() {
    try {
      if (watchers.isEmpty()) {
        synchronized (this) {
          if (watchers.isEmpty() && ticks != null) {
            ticks.cancel(false);
            ticks = null;
          }
        }
        return;
      }
      List<JsonObject> answers;
      try {
        answers = cluster.ask("instance", null, JsonValue.EMPTY_JSON_OBJECT).get(everyMillis * 2, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        answers = List.of(); // a tick without figures; the next one asks again
      }
      JsonObject instances = AdminResource.instances(answers);
      for (Watcher watcher : List.copyOf(watchers.values())) {
        send(watcher, figures(instances, watcher.tenant()));
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "A dashboard tick failed; the next one tries again", e);
    }
  }

  private String figures(JsonObject instances, String tenant) {
    JsonArrayBuilder channels = JSON.createArrayBuilder();
    traffic
        .busiest(tenant, 10)
        .forEach(
            r ->
                channels.add(
                    JSON.createObjectBuilder()
                        .add("tenant", r.tenant())
                        .add("channel", r.channel())
                        .add("eventsPerSecond", Math.round(r.perSecond() * 10) / 10.0)));
    return JSON.createObjectBuilder()
        .add("at", System.currentTimeMillis())
        .add("instances", instances.getJsonArray("instances"))
        .add("channels", channels)
        .build()
        .toString();
  }

  /** A failed or closed sink is how a vanished dashboard shows: it is dropped. */
  private void send(Watcher watcher, String json) {
    try {
      if (watcher.sink().isClosed()) {
        watchers.remove(watcher.sink());
        return;
      }
      OutboundSseEvent event = watcher.sse().newEventBuilder().name("figures").data(json).build();
      watcher
          .sink()
          .send(event)
          .whenComplete(
              (ok, failure) -> {
                if (failure != null) {
                  drop(watcher);
                }
              });
    } catch (RuntimeException closedMeanwhile) {
      drop(watcher);
    }
  }

  private void drop(Watcher watcher) {
    watchers.remove(watcher.sink());
    try {
      watcher.sink().close();
    } catch (RuntimeException alreadyGone) {
      // nothing left to close
    }
  }

  @PreDestroy
  synchronized void stop() {
    if (ticks != null) {
      ticks.cancel(false);
    }
    watchers.keySet().forEach(SseEventSink::close);
  }
}
