package io.herald.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Metrics;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import jakarta.json.JsonObject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Herald's metrics after a scenario that exercises them, with the values the scenario implies,
 * read from {@code /metrics} as Prometheus reads them; and every metric the operations guide names
 * and the Grafana dashboard queries is one Herald exports.
 */
@ExtendWith(ArquillianExtension.class)
class MetricsIT {
  @Deployment(testable = false)
  static WebArchive deployment() {
    // every write timed, so that the latency counts equal the deliveries
    return HeraldDeployment.create(Map.of("herald.metrics.latency-sample-every", "1", "herald.sse.heartbeat-ms", "500"));
  }

  @ArquillianResource URL url;
  private Server server;

  @BeforeEach
  void connect() {
    server = Server.at(url);
  }

  private double metric(String name, String... labels) {
    return Metrics.value(server, name, labels);
  }

  @Test
  void threeStreamsAndThirteenEventsAreCountedAsTheyHappened() throws Exception {
    double sseOpen = metric("herald_connections_open", "transport=\"sse\"");
    double wsOpen = metric("herald_connections_open", "transport=\"websocket\"");
    double http = metric("herald_events_in_total", "source=\"http\"");
    double batch = metric("herald_events_in_total", "source=\"batch\"");
    double fromWs = metric("herald_events_in_total", "source=\"websocket\"");
    double received = metric("herald_events_received_total");
    double sseOut = metric("herald_deliveries_total", "transport=\"sse\"");
    double wsOut = metric("herald_deliveries_total", "transport=\"websocket\"");
    double sseTimed = metric("herald_delivery_latency_ms_count", "transport=\"sse\"");
    double hops = metric("herald_broker_latency_ms_count");
    double sseClosed = metric("herald_connections_closed_total", "transport=\"sse\"", "reason=\"client_gone\"");
    double authFailed = metric("herald_auth_failures_total", "entry=\"sse\"", "reason=\"invalid_token\"");
    double sseRefused = metric("herald_connections_refused_total", "transport=\"sse\"", "reason=\"invalid_token\"");
    double recovered = metric("herald_recoveries_total", "transport=\"sse\"", "recovered=\"true\"");
    double notFound = metric("herald_route_forwarded_total", "result=\"not_found\"");
    double tokensCached = metric("herald_tokens_verified_total", "result=\"cached\"");
    double tokensChecked = metric("herald_tokens_verified_total", "result=\"checked\"");

    String token = Tokens.forUser("mia").sign();
    List<SseClient> streams = new ArrayList<>();
    String lastId;
    try (WsClient ws = WsClient.connect(server, token)) {
      for (int i = 0; i < 3; i++) {
        SseClient stream = SseClient.open(server, "api/realtime/stream?channel=chat.metrics&access_token=" + token);
        streams.add(stream);
        assertEquals("connected", stream.next().name());
      }
      ws.subscribe("chat.metrics");
      assertEquals(3, metric("herald_connections_open", "transport=\"sse\"") - sseOpen);
      assertEquals(1, metric("herald_connections_open", "transport=\"websocket\"") - wsOpen);

      String publisher = Tokens.publisher("svc");
      for (int i = 0; i < 10; i++) {
        assertEquals(202, server.publish(publisher, "chat.metrics", "n", String.valueOf(i)).status());
      }
      String two = "{\"events\":[{\"channel\":\"chat.metrics\",\"event\":\"b\",\"data\":1},{\"channel\":\"chat.metrics\",\"event\":\"b\",\"data\":2}]}";
      assertEquals(202, server.publishBatch(publisher, two).status());
      assertEquals("ok", ws.call("publish", "\"channel\":\"chat.metrics\",\"event\":\"w\",\"data\":0").getString("type"));
      for (SseClient stream : streams) {
        assertEquals(13, stream.take(13).size());
      }
      // two tokens, each checked once: mia's four connections and the backend's eleven publishes
      assertEquals(2, metric("herald_tokens_verified_total", "result=\"checked\"") - tokensChecked);
      assertEquals(13, metric("herald_tokens_verified_total", "result=\"cached\"") - tokensCached);
      lastId = streams.get(0).lastEventId();
      for (int i = 0; i < 13; i++) {
        ws.nextOfType("event");
      }
      assertEquals(10, metric("herald_events_in_total", "source=\"http\"") - http);
      assertEquals(2, metric("herald_events_in_total", "source=\"batch\"") - batch);
      assertEquals(1, metric("herald_events_in_total", "source=\"websocket\"") - fromWs);
      assertEquals(13, metric("herald_events_received_total") - received);
      assertEquals(39, metric("herald_deliveries_total", "transport=\"sse\"") - sseOut);
      assertEquals(13, metric("herald_deliveries_total", "transport=\"websocket\"") - wsOut);
      assertEquals(39, metric("herald_delivery_latency_ms_count", "transport=\"sse\"") - sseTimed, "every write timed");
      assertEquals(13, metric("herald_broker_latency_ms_count") - hops);
      assertTrue(metric("herald_delivery_latency_ms", "transport=\"sse\"", "quantile=\"0.99\"") < 10_000, "milliseconds, not nanoseconds");
      assertEquals(1, metric("herald_broker_connected"));
      assertEquals(0, metric("herald_broker_behind"), "caught up with what the broker kept");
      JsonObject bus =
          server.getRoot("health/ready").json().getJsonArray("checks").getValuesAs(JsonObject.class).stream()
              .filter(c -> c.getString("name").equals("bus"))
              .findFirst()
              .orElseThrow();
      assertEquals("UP", bus.getString("status"), "readiness sees the bus, not full");
      assertEquals("10000", bus.getJsonObject("data").getString("capacity"));
    } finally {
      SseClient.closeAll(streams);
    }
    // a vanished stream is noticed at its next heartbeat
    long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
    while (metric("herald_connections_closed_total", "transport=\"sse\"", "reason=\"client_gone\"") - sseClosed < 3
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(3, metric("herald_connections_closed_total", "transport=\"sse\"", "reason=\"client_gone\"") - sseClosed);
    assertEquals(0, metric("herald_connections_open", "transport=\"sse\"") - sseOpen);

    try (SseClient refused = SseClient.open(server, "api/realtime/stream?channel=chat.metrics&access_token=not-a-token")) {
      assertEquals(401, refused.status());
    }
    assertEquals(1, metric("herald_auth_failures_total", "entry=\"sse\"", "reason=\"invalid_token\"") - authFailed);
    assertEquals(1, metric("herald_connections_refused_total", "transport=\"sse\"", "reason=\"invalid_token\"") - sseRefused);

    // a stream that resumes from where it was, and a message for a connection no instance holds
    try (SseClient resumed = SseClient.resume(server, "api/realtime/stream?channel=chat.metrics&access_token=" + token, lastId)) {
      assertTrue(resumed.next().json().getBoolean("recovered"));
    }
    assertEquals(1, metric("herald_recoveries_total", "transport=\"sse\"", "recovered=\"true\"") - recovered);
    assertEquals(404, server.send(token, "no-such-connection", "{\"type\":\"publish\",\"channel\":\"chat.metrics\",\"event\":\"x\"}").status());
    assertEquals(1, metric("herald_route_forwarded_total", "result=\"not_found\"") - notFound);
  }

  @Test
  void everyDocumentedMetricAndEveryDashboardQueryNamesAnExportedMetric() throws Exception {
    String exported = server.getRoot("metrics?scope=application").body();
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("^(herald_[a-z_]+)[{ ]", Pattern.MULTILINE).matcher(exported);
    while (m.find()) {
      names.add(m.group(1));
    }

    String guide = Files.readString(Path.of("docs/operations.md"));
    String table = guide.substring(guide.indexOf("Herald's metrics:"), guide.indexOf("### Grafana"));
    Set<String> documented = namesIn(table);
    Set<String> missing = new TreeSet<>(documented);
    missing.removeAll(names);
    assertEquals(Set.of(), missing, "documented but not exported (every series with known labels is there from the start)");
    Set<String> undocumented = new TreeSet<>(names);
    undocumented.removeIf(n -> documented.contains(n) || documented.stream().anyMatch(d -> n.startsWith(d + "_")));
    assertEquals(Set.of(), undocumented, "exported but not in docs/operations.md");

    Set<String> queried = namesIn(Files.readString(Path.of("payara-config/grafana/herald-dashboard.json")));
    assertTrue(queried.size() >= 15, "the dashboard queries Herald's metrics: " + queried);
    queried.removeAll(names);
    assertEquals(Set.of(), queried, "the Grafana dashboard queries metrics Herald does not export");
  }

  private static Set<String> namesIn(String text) {
    Set<String> found = new TreeSet<>();
    Matcher m = Pattern.compile("herald_[a-z_]+").matcher(text);
    while (m.find()) {
      found.add(m.group());
    }
    return found;
  }
}
