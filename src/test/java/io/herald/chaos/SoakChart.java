package io.herald.chaos;

import jakarta.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** A soak's series as an SVG of stacked panels over time: memory, threads, descriptors, latency. */
final class SoakChart {
  private static final int WIDTH = 760;
  private static final int PANEL = 150;
  private static final int LEFT = 60;
  private static final String[] COLORS = {"#2b6cb0", "#dd6b20", "#38a169", "#805ad5"};

  private SoakChart() {}

  static String svg(String title, JsonObject report) {
    List<JsonObject> samples = report.getJsonArray("samples").getValuesAs(JsonObject.class);
    List<String> instances = new ArrayList<>(samples.get(0).getJsonObject("instances").keySet());
    List<Map<String, ToDoubleFunction<JsonObject>>> panels = new ArrayList<>();
    List<String> titles = new ArrayList<>();
    for (String[] field : new String[][] {{"heapAfterGcMb", "heap after full GC (MB)"}, {"rssMb", "RSS (MB)"}, {"threads", "threads"}, {"fds", "open file descriptors"}}) {
      Map<String, ToDoubleFunction<JsonObject>> lines = new LinkedHashMap<>();
      for (String i : instances) {
        lines.put("instance " + i, s -> s.getJsonObject("instances").getJsonObject(i).getJsonNumber(field[0]).doubleValue());
      }
      panels.add(lines);
      titles.add(field[1]);
    }
    Map<String, ToDoubleFunction<JsonObject>> latency = new LinkedHashMap<>();
    latency.put("p50", s -> s.getJsonObject("latency").getJsonNumber("p50Ms").doubleValue());
    latency.put("p99", s -> s.getJsonObject("latency").getJsonNumber("p99Ms").doubleValue());
    panels.add(latency);
    titles.add("delivery latency per interval (ms)");

    int height = 40 + panels.size() * (PANEL + 30);
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n", WIDTH, height));
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    s.append(text(WIDTH / 2, 20, title, "middle", 14));
    double maxT = samples.get(samples.size() - 1).getInt("t");
    for (int p = 0; p < panels.size(); p++) {
      panel(s, 40 + p * (PANEL + 30), titles.get(p), panels.get(p), samples, maxT);
    }
    return s.append("</svg>\n").toString();
  }

  private static void panel(StringBuilder s, int y0, String title, Map<String, ToDoubleFunction<JsonObject>> lines, List<JsonObject> samples, double maxT) {
    double max = 0;
    for (ToDoubleFunction<JsonObject> f : lines.values()) {
      for (JsonObject sample : samples) {
        max = Math.max(max, f.applyAsDouble(sample));
      }
    }
    max = max <= 0 ? 1 : max * 1.1;
    int plotWidth = WIDTH - LEFT - 20;
    s.append(text(LEFT, y0 + 10, title, "start", 12));
    s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>%n", LEFT, y0 + 16, plotWidth, PANEL - 16));
    s.append(text(LEFT - 4, y0 + 24, format(max), "end", 10)).append(text(LEFT - 4, y0 + PANEL, "0", "end", 10));
    s.append(text(LEFT + plotWidth, y0 + PANEL + 12, String.format(Locale.ROOT, "%.0f min", maxT / 60), "end", 10));
    int c = 0;
    for (Map.Entry<String, ToDoubleFunction<JsonObject>> line : lines.entrySet()) {
      StringBuilder points = new StringBuilder();
      for (JsonObject sample : samples) {
        double x = LEFT + plotWidth * sample.getInt("t") / maxT;
        double y = y0 + PANEL - (PANEL - 16) * line.getValue().applyAsDouble(sample) / max;
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      String color = COLORS[c % COLORS.length];
      s.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>%n", color, points.toString().trim()));
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\" font-size=\"10\">%s</text>%n", LEFT + plotWidth - 150 + 75 * c, y0 + 10, color, line.getKey()));
      c++;
    }
  }

  private static String format(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String text(int x, int y, String t, String anchor, int size) {
    return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" font-size=\"%d\">%s</text>%n", x, y, anchor, size, t);
  }
}
