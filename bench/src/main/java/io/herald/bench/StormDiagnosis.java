package io.herald.bench;

import io.herald.testing.Tokens;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Why storm clients lack events at the end: what each side holds of their connections. The
 * driver's view (when the client came back, what it heard since, whether its listener threw), B's
 * view through the admin API (is the connection there, subscribed, with frames queued), and the
 * kernel's (bytes waiting in either end's socket buffers: unread by the driver, or unsent by B).
 */
final class StormDiagnosis {
  private static final int SAMPLES = 10;

  private StormDiagnosis() {}

  static JsonObject of(StormScenario s, List<StormClient> lacking, long killAt) {
    JsonArrayBuilder samples = Json.createArrayBuilder();
    String admin = Tokens.forUser("storm-diagnosis").groups("admin").sign();
    for (StormClient c : lacking.subList(0, Math.min(SAMPLES, lacking.size()))) {
      JsonObjectBuilder one = Json.createObjectBuilder()
          .add("client", c.index)
          .add("transport", c.transport.name())
          .add("backAfterMillis", c.resubscribedAt == 0 ? -1 : (c.resubscribedAt - killAt) / 1_000_000)
          .add("lastFrameAfterMillis", (c.lastFrameAt - killAt) / 1_000_000)
          .add("framesSinceReady", c.framesSinceReady.get())
          .add("listenerFailures", c.listenerFailures.get())
          .add("listenerFailure", String.valueOf(c.listenerFailure))
          .add("onB", onB(s, admin, "storm-" + c.index));
      samples.add(one);
    }
    int total = 0;
    for (StormClient c : lacking) {
      total += c.listenerFailures.get();
    }
    return Json.createObjectBuilder()
        .add("listenerFailures", total)
        .add("samples", samples)
        .add("socketsOfB", sockets(s.portB))
        .build();
  }

  /** B's admin record of the user's connections. */
  private static String onB(StormScenario s, String admin, String user) {
    try {
      HttpResponse<String> answer = s.clients.publisher.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.portB + s.base + "api/admin/connections?user=" + user))
              .header("Authorization", "Bearer " + admin)
              .build(),
          HttpResponse.BodyHandlers.ofString());
      return answer.statusCode() + " " + answer.body();
    } catch (IOException | InterruptedException e) {
      return "not read: " + e;
    }
  }

  /**
   * The TCP sockets of B's port by state and side, and how many hold unread (Recv-Q) or unsent
   * (Send-Q) bytes: a driver socket with unread bytes is a stalled client, a B socket with unsent
   * bytes a client that does not read or a peer gone.
   */
  private static JsonObject sockets(int port) {
    Map<String, Integer> counts = new TreeMap<>();
    try {
      Process ss = new ProcessBuilder("ss", "-tanH").redirectErrorStream(true).start();
      String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      ss.waitFor();
      for (String line : out.split("\n")) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 5) {
          continue;
        }
        boolean server = f[3].endsWith(":" + port);
        boolean driver = f[4].endsWith(":" + port);
        if (!server && !driver) {
          continue;
        }
        String side = server ? "B" : "driver";
        counts.merge(side + " " + f[0], 1, Integer::sum);
        if (!f[1].equals("0")) {
          counts.merge(side + " " + f[0] + " unread", 1, Integer::sum);
        }
        if (!f[2].equals("0")) {
          counts.merge(side + " " + f[0] + " unsent", 1, Integer::sum);
        }
      }
    } catch (IOException | InterruptedException e) {
      counts.put("ss failed: " + e, 1);
    }
    JsonObjectBuilder json = Json.createObjectBuilder();
    counts.forEach(json::add);
    return json.build();
  }
}
