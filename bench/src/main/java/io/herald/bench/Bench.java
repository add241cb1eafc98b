package io.herald.bench;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The load driver. {@code run} drives one scenario against one running gateway and appends its
 * figures to {@code bench/results/<date>-<scenario>.json}; {@code report} turns a day's results
 * into a table and a chart. {@code bench/run} starts the gateways and calls both.
 *
 * <pre>
 * run --gateway herald|herald-stock-sse|socketio|pushpin --scenario idle|fanout|channels|cross|presence|storm|all
 *     --size smoke|quick|full --run N --pids 123,456 --out bench/results
 *     [--port 8080] [--port-b 8081] [--publish-port 5561] [--transport sse|ws]
 *     [--kill-pid 123] (storm: the instance at --port, killed; without it the driver cuts the connections)
 *     [--storm N] (storm: its clients)
 *     [--rounds N] (many-channels rounds, one a second: long enough to profile)
 *     [--idle N] [--idle-transport sse|ws] (the idle scenario's connections; half and half)
 *     [--rates 20,40] [--step-seconds 40] (fan-out into the smaller size: these rates, steps this long)
 * report --out bench/results [--date 2026-11-23]
 * </pre>
 */
public final class Bench {
  /** Scenario sizes: smoke (seconds, for CI), quick (minutes, the one command), full (the aims). */
  record Size(
      int idle, int fanSmall, int[] ratesSmall, int fanLarge, int[] ratesLarge, int stepSeconds, int channels, int rounds, int crossSubscribers, int crossSeconds,
      int[] presenceMembers, int storm) {
    static Size of(String name) {
      return switch (name) {
        case "smoke" -> new Size(4, 3, new int[] {5}, 0, new int[0], 1, 10, 1, 2, 1, new int[] {4}, 4);
        case "probe" -> new Size(1000, 1000, new int[] {20, 40, 80}, 0, new int[0], 5, 1000, 3, 500, 5, new int[] {100, 1000}, 1000);
        case "quick" -> new Size(2000, 1000, new int[] {20, 40, 80, 160, 320, 640}, 10_000, new int[] {2, 4, 8, 16, 32, 64}, 3, 1000, 3, 100, 5, new int[] {100, 300, 1000}, 10_000);
        // 18,000 idle: the aim is 50,000, but this sandbox allows 20,000 open files per process
        case "full" -> new Size(18_000, 1000, new int[] {20, 40, 80, 160, 320, 640, 1280, 2560}, 10_000, new int[] {4, 8, 16, 32, 64, 128, 256}, 5, 10_000, 5, 1000, 10, new int[] {100, 300, 1000}, 10_000);
        default -> throw new IllegalArgumentException("size is smoke, quick or full");
      };
    }
  }

  private Bench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = options(args);
    if (args.length > 0 && args[0].equals("report")) {
      Report.write(Path.of(o.getOrDefault("out", "bench/results")), o.getOrDefault("date", LocalDate.now().toString()));
      return;
    }
    List<JsonObject> results = run(o);
    results.forEach(r -> System.out.println(r));
    System.exit(0); // the JDK clients' threads are daemons, but pending sockets may linger
  }

  /** Runs what {@code o} says and returns one result per scenario (also appended to the files). */
  static List<JsonObject> run(String... args) throws Exception {
    return run(options(args));
  }

  static List<JsonObject> run(Map<String, String> o) throws Exception {
    String name = o.getOrDefault("gateway", "herald");
    String scenario = o.getOrDefault("scenario", "all");
    String sizeName = o.getOrDefault("size", "quick");
    // how long the idle scenario watches the gateway's CPU (BENCH_IDLE_SECONDS; a moment in CI)
    int idleSeconds = sizeName.equals("smoke") ? 2 : Integer.parseInt(System.getenv().getOrDefault("BENCH_IDLE_SECONDS", "20"));
    Size size = Size.of(sizeName);
    int run = Integer.parseInt(o.getOrDefault("run", "1"));
    Path out = Path.of(o.getOrDefault("out", "bench/results"));
    List<Long> pids = o.containsKey("pids") ? Arrays.stream(o.get("pids").split(",")).map(Long::parseLong).toList() : List.of();
    // the idle scenario's size and transport can be set apart (BENCH_IDLE_CONNECTIONS, _TRANSPORT)
    int idle = Integer.parseInt(o.getOrDefault("idle", Integer.toString(size.idle())));
    Gateway.Transport idleOnly =
        o.containsKey("idle-transport") ? Gateway.Transport.valueOf(o.get("idle-transport").toUpperCase()) : null;
    int storm = Integer.parseInt(o.getOrDefault("storm", Integer.toString(size.storm())));
    int expected = Math.max(Math.max(idle, storm), Math.max(size.fanLarge(), 2 * size.crossSubscribers()));
    Clients clients = new Clients(expected);
    Gateway gateway = gateway(name, clients, o);
    Probe probe = new Probe(pids);
    String runId = Long.toString(System.currentTimeMillis(), 36) + run;
    Scenarios s = new Scenarios(gateway, probe, runId);
    List<String> wanted = scenario.equals("all") ? List.of("idle", "fanout", "channels", "cross", "presence", "storm") : List.of(scenario);
    List<JsonObject> results = new ArrayList<>();
    for (String w : wanted) {
      JsonObject result;
      switch (w) {
        case "idle" -> result = s.idle(idle, idleOnly, idleSeconds, () -> name.equals("herald") ? heraldHeap(clients, o) : -1);
        case "fanout" -> {
          JsonArrayBuilder parts = Json.createArrayBuilder();
          for (Gateway.Transport t : Gateway.Transport.values()) {
            if (!gateway.offers(t) || (o.containsKey("transport") && !o.get("transport").equalsIgnoreCase(t.name()))) {
              continue;
            }
            // --rates 20 --step-seconds 40: one steady rate, long enough to profile (after a warm-up of three steps)
            int[] rates =
                o.containsKey("rates") ? Arrays.stream(o.get("rates").split(",")).mapToInt(Integer::parseInt).toArray() : size.ratesSmall();
            int stepSeconds = Integer.parseInt(o.getOrDefault("step-seconds", Integer.toString(size.stepSeconds())));
            parts.add(s.fanout(size.fanSmall(), t, rates, stepSeconds));
            if (size.fanLarge() > 0) {
              parts.add(s.fanout(size.fanLarge(), t, size.ratesLarge(), size.stepSeconds()));
            }
          }
          result = Json.createObjectBuilder().add("fanouts", parts).build();
        }
        case "channels" -> result = s.channels(size.channels(), Integer.parseInt(o.getOrDefault("rounds", String.valueOf(size.rounds()))));
        case "cross" -> {
          if (!name.equals("herald")) {
            continue; // two instances over one broker: Herald's own setup
          }
          Gateway other = o.containsKey("port-b") ? new HeraldGateway(clients, Integer.parseInt(o.get("port-b")), "/", "herald-b") : gateway;
          result = s.cross(other, size.crossSubscribers(), 40, size.crossSeconds());
        }
        case "presence" -> {
          if (!name.equals("herald")) {
            continue; // presence is Herald's own protocol
          }
          List<Integer> ports = new ArrayList<>(List.of(Integer.parseInt(o.getOrDefault("port", "8080"))));
          if (o.containsKey("port-b")) {
            ports.add(Integer.parseInt(o.get("port-b")));
          }
          JsonArrayBuilder steps = Json.createArrayBuilder();
          for (int members : size.presenceMembers()) {
            steps.add(new PresenceScenario(clients, probe, ports, o.getOrDefault("context", "/"), runId + members).run(members, 10, size.stepSeconds() * 2, size.stepSeconds() * 5));
            Thread.sleep(3000); // the members' leaves settle
          }
          result = Json.createObjectBuilder().add("steps", steps).build();
        }
        case "storm" -> {
          if (!name.equals("herald")) {
            continue; // recovery on another instance: Herald's own
          }
          int portA = Integer.parseInt(o.getOrDefault("port", "8080"));
          int portB = Integer.parseInt(o.getOrDefault("port-b", Integer.toString(portA)));
          Gateway b = new HeraldGateway(clients, portB, o.getOrDefault("context", "/"), "herald-b");
          Long kill = o.containsKey("kill-pid") ? Long.valueOf(o.get("kill-pid")) : null;
          int rate = 100;
          int warm = sizeName.equals("smoke") ? 4 : 10;
          // the events a channel can get in a run: warm-up, at most two minutes of storm, the tail
          int perChannel = rate * (warm + 140) / Math.max(1, Math.min(StormScenario.MAX_CHANNELS, storm / 100)) + 16;
          result = new StormScenario(clients, b, portA, portB, o.getOrDefault("context", "/"), kill, runId, storm, perChannel).run(storm, rate, warm);
        }
        default -> throw new IllegalArgumentException("unknown scenario " + w);
      }
      JsonObject record =
          Json.createObjectBuilder()
              .add("gateway", name)
              .add("scenario", w)
              .add("size", sizeName)
              .add("run", run)
              .add("at", java.time.Instant.now().toString())
              .add("machine", machine())
              .add("result", result)
              .build();
      append(out.resolve(LocalDate.now() + "-" + w + ".json"), record);
      results.add(record);
      Thread.sleep(2000); // let the gateway settle between scenarios
    }
    clients.close();
    return results;
  }

  private static Gateway gateway(String name, Clients clients, Map<String, String> o) {
    return switch (name) {
      case "herald" -> new HeraldGateway(clients, Integer.parseInt(o.getOrDefault("port", "8080")), o.getOrDefault("context", "/"), "herald");
      // the same Herald, its SSE subscribers on the standard API's SseBroadcaster (StockSseResource)
      case "herald-stock-sse" ->
          new HeraldGateway(clients, Integer.parseInt(o.getOrDefault("port", "8080")), o.getOrDefault("context", "/"), "herald-stock-sse", "api/bench/stock-sse");
      case "socketio" -> new SocketIoGateway(clients, Integer.parseInt(o.getOrDefault("port", "3000")));
      case "pushpin" -> new PushpinGateway(clients, Integer.parseInt(o.getOrDefault("port", "7999")), Integer.parseInt(o.getOrDefault("publish-port", "5561")));
      default -> throw new IllegalArgumentException("gateway is herald, herald-stock-sse, socketio or pushpin");
    };
  }

  /** Herald's used heap from its own metrics (base scope), or -1. */
  private static long heraldHeap(Clients clients, Map<String, String> o) {
    try {
      String text =
          clients
              .publisher
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + o.getOrDefault("port", "8080") + "/metrics?scope=base")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      for (String line : text.split("\n")) {
        if (line.startsWith("memory_usedHeap_bytes")) {
          return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return -1;
  }

  private static String machine() {
    return Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " " + System.getProperty("os.arch")
        + ", Java " + System.getProperty("java.version");
  }

  private static synchronized void append(Path file, JsonObject record) throws IOException {
    Files.createDirectories(file.getParent());
    JsonArrayBuilder all = Json.createArrayBuilder();
    if (Files.exists(file)) {
      try (JsonReader r = Json.createReader(new StringReader(Files.readString(file)))) {
        r.readArray().forEach(all::add);
      }
    }
    Files.writeString(file, all.add(record).build().toString());
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith("--") && i + 1 < args.length) {
        o.put(args[i].substring(2), args[++i]);
      }
    }
    return o;
  }
}
