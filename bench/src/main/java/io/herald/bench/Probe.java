package io.herald.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a gateway costs the machine: CPU time and resident memory of all its processes, read from
 * /proc, and the driver's own CPU time, so that every figure can be put per delivery.
 */
final class Probe {
  /** Linux reports CPU times in clock ticks of 1/100 s (USER_HZ). */
  private static final double TICKS_PER_SECOND = 100.0;

  private final List<Long> pids;

  Probe(List<Long> pids) {
    this.pids = pids;
  }

  /** CPU seconds (user + system) the gateway's processes have used so far. */
  double cpuSeconds() {
    double total = 0;
    for (long pid : pids) {
      String stat = read(Path.of("/proc", String.valueOf(pid), "stat"));
      if (stat == null) {
        continue;
      }
      total += cpuSeconds(stat);
    }
    return total;
  }

  /**
   * CPU seconds the gateway's JIT compiler threads have used so far (HotSpot names them
   * "C1 CompilerThread0", "C2 CompilerThread0", ...; 0 for a gateway without them). On two cores a
   * JVM server's compiler keeps a core busy for minutes under a new load, so figures are given
   * with and without it.
   */
  double jitCpuSeconds() {
    double total = 0;
    for (long pid : pids) {
      try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
        for (Path task : (Iterable<Path>) tasks::iterator) {
          String stat = read(task.resolve("stat"));
          if (stat == null) {
            continue;
          }
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          if (!name.startsWith("C1 CompilerThre") && !name.startsWith("C2 CompilerThre")) {
            continue;
          }
          total += cpuSeconds(stat);
        }
      } catch (IOException e) {
        // a process that has ended costs nothing more
      }
    }
    return total;
  }

  /**
   * CPU seconds so far by thread kind: each thread's name with its numbers taken out
   * ("http-thread-pool::http-listener(12)" and "(7)" are one kind), so that a cost can be put
   * on what pays it.
   */
  java.util.Map<String, Double> cpuSecondsByThread() {
    java.util.Map<String, Double> byName = new java.util.TreeMap<>();
    for (long pid : pids) {
      try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
        for (Path task : (Iterable<Path>) tasks::iterator) {
          String stat = read(task.resolve("stat"));
          if (stat != null) {
            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
            byName.merge(name, cpuSeconds(stat), Double::sum);
          }
        }
      } catch (IOException e) {
        // a process that has ended costs nothing more
      }
    }
    return byName;
  }

  /** User + system CPU seconds of one /proc stat line (a process's or a thread's). */
  private static double cpuSeconds(String stat) {
    // fields after the command name (which may hold spaces) in parentheses
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
  }

  /** Resident memory of the gateway's processes, in bytes. */
  long rssBytes() {
    long total = 0;
    for (long pid : pids) {
      String status = read(Path.of("/proc", String.valueOf(pid), "status"));
      if (status == null) {
        continue;
      }
      for (String line : status.split("\n")) {
        if (line.startsWith("VmRSS:")) {
          total += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    }
    return total;
  }

  /** CPU seconds the driver itself has used. */
  static double driverCpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
  }

  private static String read(Path path) {
    try {
      return Files.readString(path);
    } catch (IOException e) {
      return null; // a process that has ended costs nothing more
    }
  }
}
