package io.herald.bench;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a day's results into {@code <date>-summary.md} (the tables for docs/performance.md, both
 * runs of every scenario, Herald/peer ratios) and {@code <date>-chart.svg} (latency percentiles
 * and sustainable throughput per gateway).
 */
final class Report {
  /** The series compared: each gateway over each transport the driver can use with it. */
  static final List<String> SERIES = List.of("herald ws", "socketio ws", "herald sse", "pushpin sse");
  /** The aim's reference point: 40 messages a second into 1,000 subscribers. */
  static final int REFERENCE_RATE = 40;

  private Report() {}

  static void write(Path dir, String date) throws IOException {
    Map<String, List<JsonObject>> by = new LinkedHashMap<>();
    for (String scenario : List.of("idle", "fanout", "channels", "cross", "presence", "storm")) {
      Path file = dir.resolve(date + "-" + scenario + ".json");
      List<JsonObject> records = new ArrayList<>();
      if (Files.exists(file)) {
        try (JsonReader r = Json.createReader(new StringReader(Files.readString(file)))) {
          r.readArray().forEach(v -> records.add(v.asJsonObject()));
        }
      }
      by.put(scenario, records);
    }
    StringBuilder md = new StringBuilder("# Benchmark results, " + date + "\n\n");
    fanout(md, by.get("fanout"));
    idle(md, by.get("idle"));
    channels(md, by.get("channels"));
    cross(md, by.get("cross"));
    presence(md, by.get("presence"));
    storm(md, by.get("storm"));
    Files.writeString(dir.resolve(date + "-summary.md"), md.toString());
    Files.writeString(dir.resolve(date + "-chart.svg"), Chart.svg(date, by.get("fanout")));
    System.out.println(md);
  }

  /** CPU per delivery, and beside it the same without the JIT compiler's threads where it has them. */
  private static String cpuCell(JsonObject step) {
    String all = fmt(step.getJsonNumber("gatewayCpuMicrosPerDelivery").doubleValue());
    if (!step.containsKey("gatewayJitCpuSeconds") || step.getJsonNumber("gatewayJitCpuSeconds").doubleValue() <= 0) {
      return all;
    }
    return all + " (" + fmt(step.getJsonNumber("gatewayCpuMicrosPerDeliveryWithoutJit").doubleValue()) + ")";
  }

  private static void fanout(StringBuilder md, List<JsonObject> records) {
    md.append("## Fan-out (subscribers on one channel, per transport)\n\n")
        .append("| gateway | transport | run | subscribers | sustainable msg/s | deliveries/s | p50 / p99 / p99.9 ms at ")
        .append(REFERENCE_RATE)
        .append(" msg/s | gateway CPU us/delivery at the top step (without its JIT compiler) | driver CPU cores |\n|---|---|---|---|---|---|---|---|---|\n");
    Map<String, Double> best = new LinkedHashMap<>();
    Map<String, Double> cpu = new LinkedHashMap<>();
    for (JsonObject r : records) {
      for (JsonValue v : r.getJsonObject("result").getJsonArray("fanouts")) {
        JsonObject f = v.asJsonObject();
        JsonArray steps = f.getJsonArray("steps");
        JsonObject top = topStep(steps);
        JsonObject ref = stepAt(steps, REFERENCE_RATE);
        int subs = f.getInt("subscribers");
        String series = series(r, f);
        double rate = f.containsKey("sustainableRate") ? f.getInt("sustainableRate") : 0;
        md.append(row(
            r.getString("gateway"),
            f.getString("transport", "ws"),
            r.getInt("run"),
            subs,
            f.containsKey("sustainableRate") ? String.valueOf(f.getInt("sustainableRate")) : "below " + steps.getJsonObject(0).getInt("rate"),
            fmt(rate * subs),
            ref == null ? "-" : lat(ref.getJsonObject("latency")),
            top == null ? "-" : cpuCell(top),
            top == null ? "-" : fmt(top.getJsonNumber("driverCpuCores").doubleValue())));
        best.merge(series + "@" + subs, rate * subs, Math::max);
        if (top != null) {
          cpu.merge(series + "@" + subs, top.getJsonNumber("gatewayCpuMicrosPerDelivery").doubleValue(), Math::min);
        }
      }
    }
    md.append("\nRatios, like for like (best run of each; a sustainable rate of 0 means even the first step was not):\n\n");
    for (String[] pair : new String[][] {{"herald ws", "socketio ws"}, {"herald sse", "pushpin sse"}}) {
      for (int subs : new int[] {1000, 10000}) {
        Double h = best.get(pair[0] + "@" + subs);
        Double p = best.get(pair[1] + "@" + subs);
        Double hc = cpu.get(pair[0] + "@" + subs);
        Double pc = cpu.get(pair[1] + "@" + subs);
        md.append(String.format(Locale.ROOT, "- %s vs %s, %,d subscribers: sustainable deliveries/s %s vs %s (%s); CPU per delivery %s vs %s us%n",
            pair[0], pair[1], subs, h == null ? "-" : fmt(h), p == null ? "-" : fmt(p),
            h != null && p != null && p > 0 ? String.format(Locale.ROOT, "%.2fx", h / p) : "n/a",
            hc == null ? "-" : fmt(hc), pc == null ? "-" : fmt(pc)));
      }
    }
    md.append("\n");
  }

  private static void idle(StringBuilder md, List<JsonObject> records) {
    md.append("## Idle connections (half SSE, half WebSocket; Socket.IO all WebSocket)\n\n")
        .append("| gateway | run | connections | connects/s (fresh) | warm reconnects/s | CPU ms per connect (fresh / warm) | CPU while idle (without its JIT compiler) | RSS per connection | heap per connection | all alive |\n")
        .append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (JsonObject r : records) {
      JsonObject x = r.getJsonObject("result");
      md.append(row(
          r.getString("gateway"),
          r.getInt("run"),
          x.getInt("connections"),
          fmt(x.getJsonNumber("connectsPerSecond").doubleValue()),
          x.containsKey("warmReconnectsPerSecond") ? fmt(x.getJsonNumber("warmReconnectsPerSecond").doubleValue()) : "-",
          x.containsKey("gatewayCpuMsPerWarmReconnect")
              ? fmt(x.getJsonNumber("gatewayCpuMsPerConnect").doubleValue()) + " / " + fmt(x.getJsonNumber("gatewayCpuMsPerWarmReconnect").doubleValue())
              : "-",
          x.containsKey("idleCpuPercent")
              ? fmt(x.getJsonNumber("idleCpuPercent").doubleValue()) + "% (" + fmt(x.getJsonNumber("idleCpuPercentWithoutJit").doubleValue()) + "%)"
              : "-",
          kb(x.getJsonNumber("rssPerConnectionBytes").longValue()),
          x.containsKey("heapPerConnectionBytes") ? kb(x.getJsonNumber("heapPerConnectionBytes").longValue()) : "n/a",
          x.getBoolean("allDelivered")));
    }
    md.append("\n");
  }

  private static void channels(StringBuilder md, List<JsonObject> records) {
    md.append("## Many channels (own channel + 10-member group per connection)\n\n")
        .append("| gateway | run | connections | deliveries/s | p50 / p99 / p99.9 ms | gateway CPU us/delivery (without its JIT compiler) | all delivered |\n|---|---|---|---|---|---|---|\n");
    for (JsonObject r : records) {
      JsonObject x = r.getJsonObject("result");
      JsonObject s = x.getJsonObject("result");
      md.append(row(
          r.getString("gateway"),
          r.getInt("run"),
          x.getInt("connections"),
          fmt(s.getJsonNumber("deliveriesPerSecond").doubleValue()),
          lat(s.getJsonObject("latency")),
          cpuCell(s),
          s.getBoolean("allDelivered")));
    }
    md.append("\n");
  }

  private static void cross(StringBuilder md, List<JsonObject> records) {
    md.append("## Cross-instance (Herald: publish on A, subscribers on A and on B, one Artemis broker)\n\n")
        .append("| run | subscribers each | rate | same instance p50 / p99 / p99.9 ms | other instance | added p50 / p99 ms |\n|---|---|---|---|---|---|\n");
    for (JsonObject r : records) {
      JsonObject x = r.getJsonObject("result");
      md.append(row(
          r.getInt("run"),
          x.getInt("subscribersEach"),
          x.getInt("rate"),
          lat(x.getJsonObject("local")),
          lat(x.getJsonObject("remote")),
          fmt(x.getJsonNumber("addedP50Millis").doubleValue()) + " / " + fmt(x.getJsonNumber("addedP99Millis").doubleValue())));
    }
    md.append("\n");
  }

  static String series(JsonObject record, JsonObject fanout) {
    return record.getString("gateway") + " " + fanout.getString("transport", "ws");
  }

  static JsonObject topStep(JsonArray steps) {
    JsonObject top = null;
    for (JsonValue v : steps) {
      if (v.asJsonObject().getBoolean("sustainable")) {
        top = v.asJsonObject();
      }
    }
    return top;
  }

  static JsonObject stepAt(JsonArray steps, int rate) {
    for (JsonValue v : steps) {
      if (v.asJsonObject().getInt("rate") == rate) {
        return v.asJsonObject();
      }
    }
    return null;
  }

  private static void presence(StringBuilder md, List<JsonObject> records) {
    if (records.isEmpty()) {
      return;
    }
    table(md, "Presence (members in one channel, each moving its cursor; every member also subscribes)",
        "run", "instances", "members", "updates/s each", "sent/s", "relayed/s", "member updates delivered/s", "p50 / p99 / p99.9 ms",
        "p99 per 5 s window", "gateway CPU", "CPU us per relayed update");
    for (JsonObject r : records) {
      for (JsonValue v : r.getJsonObject("result").getJsonArray("steps")) {
        JsonObject x = v.asJsonObject();
        StringBuilder windows = new StringBuilder();
        for (JsonValue w : x.getJsonArray("latencyWindows")) {
          windows.append(windows.length() == 0 ? "" : ", ").append(fmt(w.asJsonObject().getJsonNumber("p99Millis").doubleValue()));
        }
        md.append(row(
            r.getInt("run"),
            x.getInt("instances"),
            x.getInt("members"),
            x.getInt("updatesPerSecondEach"),
            fmt(x.getJsonNumber("sentPerSecond").doubleValue()),
            fmt(x.getJsonNumber("relayedPerSecond").doubleValue()),
            fmt(x.getJsonNumber("memberUpdatesDeliveredPerSecond").doubleValue()),
            x.getJsonObject("latency").containsKey("p50Millis") ? lat(x.getJsonObject("latency")) : "-",
            windows,
            fmt(x.getJsonNumber("gatewayCpuPercent").doubleValue()) + "%",
            fmt(x.getJsonNumber("cpuMicrosPerRelayedUpdate").doubleValue())));
      }
    }
    md.append("\n");
  }

  private static void storm(StringBuilder md, List<JsonObject> records) {
    if (records.isEmpty()) {
      return;
    }
    table(md, "Reconnect storm (Herald: clients on A, half SSE half WebSocket, each its own token; A killed, all resume on B)",
        "run", "clients", "A killed", "events (publish failures)", "s until all resubscribed", "s until all caught up", "caught up p50 / p99 s",
        "s until none missing", "events missing at the end", "duplicates", "gaps", "retries", "B's own p50 / p99 ms before", "during the storm");
    for (JsonObject r : records) {
      JsonObject x = r.getJsonObject("result");
      JsonObject caught = x.getJsonObject("caughtUpAfter");
      md.append(row(
          r.getInt("run"),
          x.getInt("clients"),
          x.getBoolean("killed"),
          x.getJsonNumber("events").longValue() + " (" + x.getJsonNumber("publishFailures").longValue() + ")",
          fmt(x.getJsonNumber("secondsUntilAllResubscribed").doubleValue()),
          fmt(x.getJsonNumber("secondsUntilAllCaughtUp").doubleValue()),
          fmt(caught.getJsonNumber("p50Millis").doubleValue() / 1000) + " / " + fmt(caught.getJsonNumber("p99Millis").doubleValue() / 1000),
          x.containsKey("secondsUntilNoneMissing") ? fmt(x.getJsonNumber("secondsUntilNoneMissing").doubleValue()) : "-",
          x.getJsonNumber("eventsMissing").longValue(),
          x.getJsonNumber("duplicates").longValue(),
          x.getJsonNumber("gaps").longValue(),
          x.getJsonNumber("reconnectRetries").longValue(),
          p50p99(x.getJsonObject("bystandersBefore")),
          p50p99(x.getJsonObject("bystandersDuringStorm"))));
    }
    md.append("\n");
  }

  /** A section's title and its table's head. */
  private static void table(StringBuilder md, String title, String... columns) {
    md.append("## ").append(title).append("\n\n|");
    for (String c : columns) {
      md.append(' ').append(c).append(" |");
    }
    md.append("\n|").append("---|".repeat(columns.length)).append('\n');
  }

  private static String p50p99(JsonObject l) {
    return fmt(l.getJsonNumber("p50Millis").doubleValue()) + " / " + fmt(l.getJsonNumber("p99Millis").doubleValue());
  }

  private static String lat(JsonObject l) {
    return fmt(l.getJsonNumber("p50Millis").doubleValue()) + " / " + fmt(l.getJsonNumber("p99Millis").doubleValue()) + " / "
        + fmt(l.getJsonNumber("p999Millis").doubleValue());
  }

  private static String row(Object... cells) {
    StringBuilder b = new StringBuilder("|");
    for (Object c : cells) {
      b.append(' ').append(c).append(" |");
    }
    return b.append('\n').toString();
  }

  static String fmt(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String kb(long bytes) {
    return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
  }
}
