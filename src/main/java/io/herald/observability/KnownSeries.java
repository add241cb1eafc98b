package io.herald.observability;

import io.herald.transport.Transport;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * Counters of refusals and failures made at start, at 0, with the labels they are known to take:
 * a series that appears only with its first increment gives a dashboard "no data" and an alert's
 * {@code rate()} nothing to start from (Prometheus' own advice). Counters whose labels are open
 * (a poison message's reason, an error code, a close's reason) get their most common ones.
 */
@ApplicationScoped
public class KnownSeries {
  @Inject MetricRegistry metrics;
  @Inject Traffic traffic;

  void register(@Observes @Initialized(ApplicationScoped.class) Object context) {
    for (String limit : List.of("messages", "presence_updates", "connections_per_user", "connections_per_ip", "publish")) {
      metrics.counter("herald.limits.refused", new Tag("limit", limit));
    }
    for (String kind : List.of("publish", "send_queue", "signal")) {
      metrics.counter("herald.bus.refused", new Tag("kind", kind));
    }
    metrics.counter("herald.broker.poison", new Tag("reason", "unreadable"));
    metrics.counter("herald.ws.errors", new Tag("code", "INVALID_MESSAGE"));
    for (Transport transport : Transport.values()) {
      metrics.counter("herald.connections.opened", new Tag("transport", transport.label()));
      metrics.counter("herald.connections.closed", new Tag("transport", transport.label()), new Tag("reason", "client_gone"));
    }
    for (Transport transport : Transport.values()) {
      for (String recovered : List.of("true", "false")) {
        metrics.counter("herald.recoveries", new Tag("transport", transport.label()), new Tag("recovered", recovered));
      }
    }
    counters("herald.events.duplicates", "reason", "idempotency_key", "redelivered");
    counters("herald.poll.resyncs", "reason", "lost_answer", "queue_full");
    counters("herald.route.forwarded", "result", "answered", "not_found", "unanswered", "refused");
    counters("herald.presence.changes", "action", "join", "leave");
    counters("herald.presence.updates", "result", "relayed", "coalesced");
    counters("herald.presence.refused", "reason", "channel_full");
    counters("herald.presence.syncs", "kind", "asked", "sent");
    metrics.counter("herald.connections.refused", new Tag("transport", "websocket"), new Tag("reason", "invalid_token"));
    metrics.counter("herald.auth.failures", new Tag("entry", "websocket"), new Tag("reason", "invalid_token"));
    metrics.counter("herald.auth.failures", new Tag("entry", "sse"), new Tag("reason", "invalid_token"));
    traffic.figures(); // the data path's own series, and the clock of its rates, from the start
  }

  private void counters(String name, String label, String... values) {
    for (String value : values) {
      metrics.counter(name, new Tag(label, value));
    }
  }
}
