package io.herald.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Server;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The load driver (bench/) at its smallest, against a real Herald, so that it never rots: every
 * scenario runs and counts every message. It asserts no timing; figures come from bench/run.
 */
@ExtendWith(ArquillianExtension.class)
class BenchSmokeIT {
  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(
        Map.of(
            "herald.namespace.bench.subscribe", "authenticated",
            "herald.limits.connections.per-user", "1000",
            "herald.limits.publish.burst", "100000",
            "herald.limits.publish.per-second", "100000"));
  }

  @ArquillianResource URL url;

  @Test
  void everyScenarioRunsAndCountsEveryMessage() throws Exception {
    Server server = Server.at(url);
    List<JsonObject> records =
        Bench.run(
            "--gateway", "herald",
            "--scenario", "all",
            "--size", "smoke",
            "--port", String.valueOf(server.port()),
            "--context", server.path(),
            "--out", "target/bench-smoke");
    assertEquals(List.of("idle", "fanout", "channels", "cross", "presence", "storm"), records.stream().map(r -> r.getString("scenario")).toList());
    for (JsonObject record : records) {
      JsonObject result = record.getJsonObject("result");
      switch (record.getString("scenario")) {
        case "idle", "cross" -> assertTrue(result.getBoolean("allDelivered"), record.toString());
        case "channels" -> assertTrue(result.getJsonObject("result").getBoolean("allDelivered"), record.toString());
        case "fanout" -> {
          assertEquals(2, result.getJsonArray("fanouts").size(), "over SSE and over WebSocket");
          for (JsonValue f : result.getJsonArray("fanouts")) {
            for (JsonValue step : f.asJsonObject().getJsonArray("steps")) {
              JsonObject s = step.asJsonObject();
              assertEquals(s.getJsonNumber("expected").longValue(), s.getJsonNumber("delivered").longValue(), record.toString());
            }
          }
        }
        case "presence" -> {
          JsonObject step = result.getJsonArray("steps").getJsonObject(0);
          assertTrue(step.getJsonNumber("relayedPerSecond").doubleValue() > 0, "cursor moves were relayed: " + record);
          assertTrue(step.getJsonNumber("memberUpdatesDeliveredPerSecond").doubleValue() > 0, "and reached the members: " + record);
          assertTrue(step.getJsonObject("latency").getJsonNumber("samples").longValue() > 0, record.toString());
        }
        case "storm" -> {
          // one instance: the driver cuts every connection and each resumes from its last event
          assertTrue(result.getBoolean("allRecovered"), record.toString());
          assertEquals(0, result.getJsonNumber("eventsMissing").longValue(), record.toString());
          assertEquals(0, result.getJsonNumber("duplicates").longValue(), record.toString());
          assertEquals(0, result.getJsonNumber("publishFailures").longValue(), "no publish refused: " + record);
          assertEquals(0, result.getJsonNumber("publishesUnanswered").longValue(), "every publish answered: " + record);
          assertEquals(0, result.getJsonNumber("staleReconnects").longValue(), "no client left on a silent connection: " + record);
          assertTrue(result.getJsonNumber("events").longValue() > 0, record.toString());
        }
        default -> throw new AssertionError(record);
      }
    }
  }
}
