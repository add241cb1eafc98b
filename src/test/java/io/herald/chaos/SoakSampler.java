package io.herald.chaos;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What one instance's JVM holds now: the heap in use right after a full GC (asked for with
 * {@code jcmd GC.run}: what is live, without the garbage that has not been collected yet), its
 * resident memory, threads and open file descriptors (from /proc); and, when the JVM tracks its
 * native memory ({@code -XX:NativeMemoryTracking=summary}), what it has committed by category, so
 * that growth of the RSS can be put down to the heap, threads, code, metaspace or the rest.
 */
final class SoakSampler {
  /** A heap's or a generation's line (G1: one for the heap; Serial, Parallel: one per generation). */
  private static final Pattern HEAP_USED = Pattern.compile("total\\s+(\\d+)K, used (\\d+)K");
  private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB");
  private static final Pattern NMT_CATEGORY = Pattern.compile("(?m)^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB");
  private static final String JCMD = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();

  private SoakSampler() {}

  static JsonObjectBuilder sample(long pid) {
    JsonObjectBuilder s = Json.createObjectBuilder();
    jcmd(pid, "GC.run");
    Matcher used = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
    long kb = 0;
    long committedKb = 0;
    while (used.find()) {
      committedKb += Long.parseLong(used.group(1));
      kb += Long.parseLong(used.group(2));
    }
    s.add("heapAfterGcMb", kb > 0 ? kb / 1024.0 : -1);
    s.add("heapCommittedMb", committedKb > 0 ? committedKb / 1024.0 : -1);
    String nmt = jcmd(pid, "VM.native_memory summary");
    Matcher total = NMT_TOTAL.matcher(nmt);
    if (total.find()) {
      s.add("nmtCommittedMb", Long.parseLong(total.group(1)) / 1024.0);
      JsonObjectBuilder byCategory = Json.createObjectBuilder();
      Matcher c = NMT_CATEGORY.matcher(nmt);
      while (c.find()) {
        byCategory.add(c.group(1).trim(), Long.parseLong(c.group(2)) / 1024.0);
      }
      s.add("nmtCommittedMbByCategory", byCategory);
    }
    String status = read(Path.of("/proc", String.valueOf(pid), "status"));
    s.add("rssMb", field(status, "VmRSS") / 1024.0);
    s.add("threads", field(status, "Threads"));
    try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
      s.add("fds", fds.count());
    } catch (IOException e) {
      s.add("fds", -1);
    }
    return s;
  }

  /** A number from /proc/pid/status ("VmRSS:  123456 kB"), or -1. */
  private static long field(String status, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + ":\\s+(\\d+)").matcher(status);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  private static String jcmd(long pid, String command) {
    try {
      Process p = new ProcessBuilder(JCMD, String.valueOf(pid), command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      p.waitFor(30, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
