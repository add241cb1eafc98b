package io.herald.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.WsClient;
import jakarta.json.JsonObject;
import java.net.http.HttpRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The drain a Kubernetes preStop hook triggers before SIGTERM reaches Payara Micro (which cuts
 * connections first): only with the configured secret; it answers once every client has been
 * told to reconnect (WebSocket 1012, SSE reconnect event); then the instance is not ready and
 * refuses new connections until it stops, and it stops cleanly.
 */
class PreStopDrainIT {
  private static final String SECRET = "prestop-secret";

  @Test
  void theHookDrainsBeforeTheStopAndOnlyWithTheSecret() throws Exception {
    Map<String, String> env =
        Map.of("HERALD_DEV_MODE", "true", "HERALD_SHUTDOWN_DRAIN_SECRET", SECRET, "HERALD_SHUTDOWN_SPREAD_MS", "1000");
    try (PayaraProcess herald = PayaraProcess.start("prestop", Map.of(), env)) {
      Server server = herald.server();
      assertEquals(403, drain(server, null).status(), "no secret, no drain");
      Server.Reply wrong = drain(server, "guess");
      assertEquals(403, wrong.status());
      assertEquals("PERMISSION_DENIED", wrong.code());
      assertEquals(200, server.getRoot("health/ready").status(), "still serving after refused attempts");

      String dev = server.get("dev/token?sub=alice&subscribe=jobs.*").body().strip();
      try (WsClient ws = WsClient.connect(server, dev);
          SseClient stream = SseClient.open(server, "api/realtime/stream?channel=jobs.1&access_token=" + dev)) {
        ws.subscribe("jobs.1");
        assertEquals("connected", stream.next().name());

        Server.Reply drained = drain(server, SECRET);
        assertEquals(200, drained.status(), drained.body());
        JsonObject answer = drained.json();
        assertEquals(2, answer.getInt("connectionsTold"), "answered once both were told");

        assertEquals(1012, ws.awaitClose(Timeouts.EVENT).code(), "WebSocket: service restart, reconnect elsewhere");
        SseClient.Event told = stream.next();
        assertEquals("reconnect", told.name());
        assertEquals(500L, told.retry());
      }
      assertEquals(503, server.getRoot("health/ready").status(), "not ready: the balancer sends clients elsewhere");
      Server.Reply refused = server.get("api/realtime/stream?channel=jobs.1&access_token=" + dev);
      assertEquals(503, refused.status());
      assertEquals(200, drain(server, SECRET).status(), "again: the same drain, answered at once");
      assertTrue(herald.stop(30), "then SIGTERM stops it cleanly");
    }
  }

  @Test
  void withoutASecretThereIsNoDrainEndpoint() throws Exception {
    try (PayaraProcess herald = PayaraProcess.start("nodrain", Map.of(), Map.of("HERALD_DEV_MODE", "true"))) {
      Server.Reply off = drain(herald.server(), "anything");
      assertEquals(404, off.status());
      assertEquals("NOT_FOUND", off.code());
    }
  }

  private static Server.Reply drain(Server server, String secret) {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri("api/realtime/drain")).GET();
    if (secret != null) {
      request.header("X-Herald-Drain-Secret", secret);
    }
    return Server.send(request);
  }
}
