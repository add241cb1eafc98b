package io.herald.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.client.Browser;
import jakarta.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The chaos run (docs/testing.md, "Chaos"): in the suite a short one with a fixed seed; longer
 * ones with {@code -Dchaos.seconds=1800 -Dchaos.clients=300 -Dchaos.seed=...} (README). Whatever
 * the faults, a subscriber gets every accepted event of its channel once and in order, and a
 * {@code gap} only where the history it resumed from could not hold its position. A failure names
 * the seed that replays its faults.
 */
class ChaosIT {
  @Test
  void nothingAcceptedIsLostDoubledOrReorderedWhileClientsInstancesTheBrokerAndTheNetworkFail() throws Exception {
    long seed = Long.getLong("chaos.seed", 19L);
    int seconds = Integer.getInteger("chaos.seconds", 60);
    int clients = Integer.getInteger("chaos.clients", 24);
    int pages = Integer.getInteger("chaos.pages", 3);
    System.out.println("chaos: seed " + seed + ", " + seconds + " s, " + clients + " clients, " + pages + " browser pages");
    JsonObject report = new Chaos(seed, seconds, clients, pages).run();
    Path out = Path.of(System.getProperty("chaos.out", "target/chaos"));
    Files.createDirectories(out);
    Path file = out.resolve("chaos-" + seed + "-" + seconds + "s.json");
    Files.writeString(file, report.toString());
    System.out.println("chaos report (" + file + "): " + report);
    String replay = " (replay: -Dchaos.seed=" + seed + " -Dchaos.seconds=" + seconds + " -Dchaos.clients=" + clients + " -Dchaos.pages=" + pages + "; " + file + ")";

    JsonObject faults = report.getJsonObject("faults");
    for (String kind : java.util.List.of("instance_kill", "broker_restart", "proxy_cut", "client_latency", "broker_link_cut", "broker_link_latency")) {
      assertTrue(faults.getInt(kind, 0) >= 1, kind + " happened" + replay);
    }
    assertEquals(0, report.getInt("instancesNotReady"), "every restarted instance was ready again" + replay);
    report.getJsonObject("published").forEach(
        (channel, p) -> assertTrue(p.asJsonObject().getInt("accepted") > 0, channel + " got events" + replay));
    assertEquals(0, report.getInt("lost"), "events lost" + replay);
    assertEquals(0, report.getInt("doubled"), "events doubled" + replay);
    assertEquals(0, report.getInt("reordered"), "events out of order" + replay);
    assertEquals(0, report.getInt("gapsWithinWindow"), "gaps where the history held the position" + replay);
    JsonObject browser = report.getJsonObject("browser");
    if (pages > 0 && Browser.installed()) { // .ci/run installs Chromium: CI always runs the pages
      assertEquals(pages, browser.getInt("pages"), "browser pages" + replay);
      assertEquals(0, browser.getInt("lost"), "events lost by herald.js pages" + replay);
      assertEquals(0, browser.getInt("doubled"), "events doubled by herald.js pages" + replay);
      assertEquals(0, browser.getInt("reordered"), "events out of order on herald.js pages" + replay);
      assertEquals(0, browser.getInt("gapsWithinWindow"), "gaps on herald.js pages where the history held the position" + replay);
    }
  }
}
