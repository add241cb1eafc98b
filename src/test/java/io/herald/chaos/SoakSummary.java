package io.herald.chaos;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * How a soak's series moved after the warm-up (its first sixth, at least one sample): the mean of
 * the first three samples after it against the mean of the last three, per instance for heap
 * after GC, committed heap, RSS and native memory committed (as a percentage), threads and descriptors (as a difference), and for the
 * latency p50 and p99.
 */
final class SoakSummary {
  private SoakSummary() {}

  static JsonObject of(JsonArray samples) {
    List<JsonObject> all = samples.getValuesAs(JsonObject.class);
    JsonObjectBuilder out = Json.createObjectBuilder();
    int warmUp = Math.max(1, all.size() / 6);
    if (all.size() - warmUp < 2) {
      return out.add("samples", all.size()).add("note", "too few samples after the warm-up").build();
    }
    List<JsonObject> after = all.subList(warmUp, all.size());
    int n = Math.min(3, after.size() / 2);
    List<JsonObject> first = after.subList(0, n);
    List<JsonObject> last = after.subList(after.size() - n, after.size());
    out.add("warmUpSeconds", all.get(warmUp - 1).getInt("t")).add("comparedSamples", n);
    for (String instance : all.get(0).getJsonObject("instances").keySet()) {
      JsonObjectBuilder i = Json.createObjectBuilder();
      for (String field : List.of("heapAfterGcMb", "heapCommittedMb", "rssMb", "nmtCommittedMb")) {
        if (!all.get(0).getJsonObject("instances").getJsonObject(instance).containsKey(field)) {
          continue; // native memory is tracked only where the JVM was asked to
        }
        ToDoubleFunction<JsonObject> f = s -> s.getJsonObject("instances").getJsonObject(instance).getJsonNumber(field).doubleValue();
        double from = mean(first, f);
        double to = mean(last, f);
        i.add(field, Json.createObjectBuilder().add("from", round(from)).add("to", round(to)).add("growthPercent", round(100 * (to - from) / from)));
      }
      for (String field : List.of("threads", "fds")) {
        ToDoubleFunction<JsonObject> f = s -> s.getJsonObject("instances").getJsonObject(instance).getJsonNumber(field).doubleValue();
        double from = mean(first, f);
        double to = mean(last, f);
        i.add(field, Json.createObjectBuilder().add("from", round(from)).add("to", round(to)).add("growth", round(to - from)));
      }
      out.add(instance, i);
    }
    for (String field : List.of("p50Ms", "p99Ms")) {
      ToDoubleFunction<JsonObject> f = s -> s.getJsonObject("latency").getJsonNumber(field).doubleValue();
      out.add("latency_" + field, Json.createObjectBuilder().add("from", round(mean(first, f))).add("to", round(mean(last, f))));
    }
    return out.build();
  }

  private static double mean(List<JsonObject> samples, ToDoubleFunction<JsonObject> f) {
    return samples.stream().mapToDouble(f).average().orElse(Double.NaN);
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }
}
