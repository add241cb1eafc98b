package io.herald.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  void nothingAcceptedIsLostDoubledOrReorderedWhileClientsInstancesAndTheBrokerFail() throws Exception {
    long seed = Long.getLong("chaos.seed", 19L);
    int seconds = Integer.getInteger("chaos.seconds", 60);
    int clients = Integer.getInteger("chaos.clients", 24);
    System.out.println("chaos: seed " + seed + ", " + seconds + " s, " + clients + " clients");
    JsonObject report = new Chaos(seed, seconds, clients).run();
    Path out = Path.of(System.getProperty("chaos.out", "target/chaos"));
    Files.createDirectories(out);
    Path file = out.resolve("chaos-" + seed + "-" + seconds + "s.json");
    Files.writeString(file, report.toString());
    System.out.println("chaos report (" + file + "): " + report);
    String replay = " (replay: -Dchaos.seed=" + seed + " -Dchaos.seconds=" + seconds + " -Dchaos.clients=" + clients + "; " + file + ")";

    JsonObject faults = report.getJsonObject("faults");
    assertTrue(faults.getInt("instance_kill", 0) >= 1 && faults.getInt("broker_restart", 0) >= 1, "every kind of fault happened" + replay);
    assertEquals(0, report.getInt("instancesNotReady"), "every restarted instance was ready again" + replay);
    report.getJsonObject("published").forEach(
        (channel, p) -> assertTrue(p.asJsonObject().getInt("accepted") > 0, channel + " got events" + replay));
    assertEquals(0, report.getInt("lost"), "events lost" + replay);
    assertEquals(0, report.getInt("doubled"), "events doubled" + replay);
    assertEquals(0, report.getInt("reordered"), "events out of order" + replay);
    assertEquals(0, report.getInt("gapsWithinWindow"), "gaps where the history held the position" + replay);
  }
}
