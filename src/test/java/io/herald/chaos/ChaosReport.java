package io.herald.chaos;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The chaos run's report (docs/testing.md, "What the report says"): what was published, what every client got, and how long each kind of fault took to recover from. */
final class ChaosReport {
  private ChaosReport() {}

  static JsonObject of(
      long seed,
      int seconds,
      int instancesLaunched,
      int notReady,
      Map<String, Integer> faults,
      Map<String, List<Long>> recoveries,
      List<Publisher> publishers,
      List<ChaosClient> clients,
      Consumer<String> note,
      Supplier<List<String>> notes) {
    JsonObjectBuilder published = Json.createObjectBuilder();
    long retries = 0;
    for (Publisher p : publishers) {
      JsonObjectBuilder because = Json.createObjectBuilder();
      p.retriedBecause.forEach((why, n) -> because.add(why, n.get()));
      published.add(p.channel, Json.createObjectBuilder()
          .add("source", p.source.name()).add("accepted", p.accepted.get()).add("retries", p.retries.get()).add("retriedBecause", because));
      retries += p.retries.get();
    }
    long lost = 0;
    long doubled = 0;
    long reordered = 0;
    long gapsWithinWindow = 0;
    long legitimateGaps = 0;
    long stale = 0;
    long links = 0;
    long emptyLinks = 0;
    java.util.Map<String, Long> why = new java.util.TreeMap<>();
    for (ChaosClient c : clients) {
      c.emptyLinkReasons.forEach((reason, n) -> why.merge(reason, n, Long::sum));
      long l = c.lost(Chaos.last(publishers, c.channel));
      if (l > 0) {
        note.accept("client " + c.index + " lacks " + l + " events of " + c.channel);
      }
      lost += l;
      doubled += c.doubled;
      reordered += c.reordered;
      gapsWithinWindow += c.gapsWithinWindow;
      legitimateGaps += c.legitimateGaps;
      stale += c.staleLinks;
      links += c.links;
      emptyLinks += c.emptyLinks;
    }
    JsonObjectBuilder recovery = Json.createObjectBuilder();
    recoveries.forEach((kind, millis) -> {
      List<Long> sorted = millis.stream().sorted().toList();
      recovery.add(kind, Json.createObjectBuilder()
          .add("samples", sorted.size())
          .add("p50Millis", sorted.get(sorted.size() / 2))
          .add("p99Millis", sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1)))
          .add("maxMillis", sorted.get(sorted.size() - 1)));
    });
    JsonObjectBuilder emptyWhy = Json.createObjectBuilder();
    why.forEach(emptyWhy::add);
    JsonObjectBuilder faultCounts = Json.createObjectBuilder();
    faults.forEach(faultCounts::add);
    return Json.createObjectBuilder()
        .add("seed", seed)
        .add("seconds", seconds)
        .add("clients", clients.size())
        .add("faults", faultCounts)
        .add("instanceRestarts", instancesLaunched)
        .add("instancesNotReady", notReady)
        .add("published", published)
        .add("publishRetries", retries)
        .add("lost", lost)
        .add("doubled", doubled)
        .add("reordered", reordered)
        .add("gapsWithinWindow", gapsWithinWindow)
        .add("gapsBeyondHistory", legitimateGaps)
        .add("staleLinks", stale)
        .add("links", links)
        .add("linksEndedBeforeAFrame", emptyLinks)
        .add("linksEndedBeforeAFrameWhy", emptyWhy)
        .add("recovery", recovery)
        .add("notes", Json.createArrayBuilder(notes.get()))
        .build();
  }
}
