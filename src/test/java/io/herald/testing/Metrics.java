package io.herald.testing;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one sample from Herald's Prometheus output, as a scraper would. */
public final class Metrics {
  private Metrics() {}

  /**
   * The value of {@code name} whose labels include every {@code label="value"} pair given, or 0
   * when the series does not exist yet.
   */
  public static double value(Server server, String name, String... labels) {
    String text = server.getRoot("metrics?scope=application").body();
    Pattern line = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
    Matcher m = line.matcher(text);
    while (m.find()) {
      boolean all = true;
      for (String label : labels) {
        all &= m.group(1).contains(label);
      }
      if (all) {
        return Double.parseDouble(m.group(2));
      }
    }
    return 0;
  }

  /** The sum of every series of {@code name}, whatever its labels (0 when there is none). */
  public static double sum(Server server, String name) {
    String text = server.getRoot("metrics?scope=application").body();
    Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{[^}]*\\} (\\S+)$", Pattern.MULTILINE).matcher(text);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return total;
  }
}
