package io.herald.bench;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An SVG chart of the fan-out results: latency percentiles at the reference rate into 1,000
 * subscribers (log scale), and sustainable deliveries per second, per gateway (best run).
 */
final class Chart {
  private static final String[] COLORS = {"#2b6cb0", "#dd6b20", "#63b3ed", "#38a169"};

  private Chart() {}

  static String svg(String date, List<JsonObject> fanout) {
    Map<String, double[]> latency = new LinkedHashMap<>(); // p50, p99, p99.9 in ms
    Map<String, double[]> throughput = new LinkedHashMap<>(); // 1k, 10k deliveries/s
    for (JsonObject r : fanout) {
      for (JsonValue v : r.getJsonObject("result").getJsonArray("fanouts")) {
        JsonObject f = v.asJsonObject();
        String g = Report.series(r, f);
        int subs = f.getInt("subscribers");
        double rate = f.containsKey("sustainableRate") ? f.getInt("sustainableRate") : 0;
        double[] t = throughput.computeIfAbsent(g, k -> new double[2]);
        int slot = subs >= 10_000 ? 1 : 0;
        t[slot] = Math.max(t[slot], rate * subs);
        JsonObject ref = Report.stepAt(f.getJsonArray("steps"), Report.REFERENCE_RATE);
        if (subs == 1000 && ref != null) {
          JsonObject l = ref.getJsonObject("latency");
          double[] now = {l.getJsonNumber("p50Millis").doubleValue(), l.getJsonNumber("p99Millis").doubleValue(), l.getJsonNumber("p999Millis").doubleValue()};
          latency.merge(g, now, (a, b) -> a[1] <= b[1] ? a : b);
        }
      }
    }
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns='http://www.w3.org/2000/svg' width='900' height='420' font-family='sans-serif' font-size='12'>\n");
    s.append("<rect width='900' height='420' fill='white'/>\n");
    s.append(text(450, 22, "Fan-out, " + date + " (same machine, same driver; best of the runs)", "middle", 15));
    panel(s, 40, "Latency at " + Report.REFERENCE_RATE + " msg/s into 1,000 subscribers (ms, log scale)", latency, new String[] {"p50", "p99", "p99.9"}, true);
    panel(s, 480, "Sustainable deliveries per second", throughput, new String[] {"1,000 subs", "10,000 subs"}, false);
    int x = 40;
    int i = 0;
    for (String g : Report.SERIES) {
      s.append(String.format(Locale.ROOT, "<rect x='%d' y='395' width='12' height='12' fill='%s'/>", x, COLORS[i++ % COLORS.length]));
      s.append(text(x + 16, 405, g, "start", 12));
      x += 140;
    }
    return s.append("</svg>\n").toString();
  }

  private static void panel(StringBuilder s, int x0, String title, Map<String, double[]> data, String[] groups, boolean log) {
    int w = 380;
    int h = 280;
    int y0 = 60;
    s.append(text(x0 + w / 2, 50, title, "middle", 12));
    s.append(String.format(Locale.ROOT, "<line x1='%d' y1='%d' x2='%d' y2='%d' stroke='black'/>", x0, y0 + h, x0 + w, y0 + h));
    double max = 0;
    for (double[] v : data.values()) {
      for (double d : v) {
        max = Math.max(max, d);
      }
    }
    if (max <= 0) {
      s.append(text(x0 + w / 2, y0 + h / 2, "no data", "middle", 12));
      return;
    }
    double top = log ? Math.log10(Math.max(max, 1) * 2) + 1 : max * 1.1;
    int groupWidth = w / groups.length;
    for (int gi = 0; gi < groups.length; gi++) {
      s.append(text(x0 + gi * groupWidth + groupWidth / 2, y0 + h + 16, groups[gi], "middle", 11));
      int bi = 0;
      for (String g : Report.SERIES) {
        double[] v = data.get(g);
        int barWidth = (groupWidth - 20) / Report.SERIES.size();
        int bx = x0 + gi * groupWidth + 10 + bi * barWidth;
        if (v != null && gi < v.length) {
          double value = v[gi];
          double frac = log ? (Math.log10(Math.max(value, 0.1)) + 1) / top : value / top;
          int bh = (int) Math.max(1, frac * h);
          s.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' fill='%s'/>", bx, y0 + h - bh, barWidth - 4, bh, COLORS[bi % COLORS.length]));
          s.append(text(bx + (barWidth - 4) / 2, y0 + h - bh - 4, Report.fmt(value), "middle", 9));
        }
        bi++;
      }
    }
  }

  private static String text(int x, int y, String t, String anchor, int size) {
    return String.format(Locale.ROOT, "<text x='%d' y='%d' text-anchor='%s' font-size='%d'>%s</text>\n", x, y, anchor, size, t.replace("&", "&amp;").replace("<", "&lt;"));
  }
}
