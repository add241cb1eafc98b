package io.herald.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/**
 * The soak (docs/testing.md, "Soak"): in the suite two minutes, sampled every 10 s, which checks
 * that the load runs and the sampling works; an hour with {@code bench/soak} (README), whose
 * series and plot go to bench/results/.
 */
class SoakIT {
  @Test
  void aSteadyMixedLoadIsSampledAndPlotted() throws Exception {
    int seconds = Integer.getInteger("soak.seconds", 120);
    int interval = Integer.getInteger("soak.interval", 10);
    int steady = Integer.getInteger("soak.clients", 60);
    int visitors = Integer.getInteger("soak.visitors", Math.max(1, steady / 5));
    int rate = Integer.getInteger("soak.rate", 20);
    System.out.println("soak: " + seconds + " s, sampled every " + interval + " s, " + steady + " steady clients, " + visitors + " visitors, " + rate + " publishes/s");
    JsonObject report = new Soak(seconds, interval, steady, visitors, rate).run();
    Path out = Path.of(System.getProperty("soak.out", "target/soak"));
    Files.createDirectories(out);
    String name = "soak-" + LocalDate.now() + "-" + seconds + "s";
    Files.writeString(out.resolve(name + ".json"), report.toString());
    Path svg = Files.writeString(out.resolve(name + ".svg"), SoakChart.svg("Herald soak, " + LocalDate.now() + ": " + seconds / 60 + " min, " + steady + " steady clients, " + visitors + " visitors, " + rate + " publishes/s", report));
    System.out.println("soak report (" + out.resolve(name + ".json") + "): " + report.getJsonObject("totals") + " " + report.getJsonObject("afterWarmUp"));

    var samples = report.getJsonArray("samples").getValuesAs(JsonObject.class);
    assertEquals(seconds / interval, samples.size(), "a sample every interval");
    for (JsonObject sample : samples) {
      for (String instance : new String[] {"a", "b"}) {
        JsonObject i = sample.getJsonObject("instances").getJsonObject(instance);
        for (String field : new String[] {"heapAfterGcMb", "rssMb", "threads", "fds"}) {
          assertTrue(i.getJsonNumber(field).doubleValue() > 0, field + " of " + instance + " at " + sample.getInt("t") + " s: " + i);
        }
      }
      assertTrue(sample.getJsonObject("latency").getInt("count") > 0, "events were delivered in every interval: " + sample);
    }
    JsonObject totals = report.getJsonObject("totals");
    assertTrue(totals.getInt("connects") > steady + visitors, "visitors came and went: " + totals);
    assertTrue(totals.getInt("historyReads") > 0, "history was read: " + totals);
    assertTrue(Files.readString(svg).contains("<polyline"), "the plot has its lines");
  }
}
