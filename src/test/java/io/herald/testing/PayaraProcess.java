package io.herald.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Herald started the way an operator starts it: {@code java -jar payara-micro.jar --nocluster
 * --deploy herald.war --contextroot /}, configured by system properties and environment only.
 * For tests that need control Arquillian does not give (several instances, start-up failures).
 */
public final class PayaraProcess implements AutoCloseable {
  private static final Duration STARTUP = Duration.ofSeconds(120);

  private final Process process;
  private final Path log;
  private final int port;

  private PayaraProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** Starts an instance and waits until Payara reports it ready (deployed or failed to deploy). */
  public static PayaraProcess start(String name, Map<String, String> properties, Map<String, String> env)
      throws IOException, InterruptedException {
    PayaraProcess payara = launch(name, properties, env);
    payara.awaitReady();
    return payara;
  }

  /** Starts an instance without waiting for it: launch several, then {@link #awaitReady} each. */
  public static PayaraProcess launch(String name, Map<String, String> properties, Map<String, String> env)
      throws IOException {
    return launch(name, properties, env, Path.of(System.getProperty("herald.war", "target/herald.war")));
  }

  /** Starts an instance of {@code war} (a variant of herald.war, e.g. with a config file in it) and waits. */
  public static PayaraProcess start(String name, Map<String, String> properties, Map<String, String> env, Path war)
      throws IOException, InterruptedException {
    PayaraProcess payara = launch(name, properties, env, war);
    payara.awaitReady();
    return payara;
  }

  private static PayaraProcess launch(String name, Map<String, String> properties, Map<String, String> env, Path war)
      throws IOException {
    int port = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    // the suite's instances live for a minute or two: the client compiler only, as Arquillian's
    // (pom.xml, test.payara.jvm); the benchmarks clear it and run the full JIT
    String jvm = System.getProperty("test.payara.jvm", "").trim();
    if (!jvm.isEmpty()) {
      command.addAll(List.of(jvm.split("\\s+")));
    }
    properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.addAll(
        List.of(
            "-jar", System.getProperty("payara.microJar", "target/payara-micro.jar"),
            "--nocluster", "--port", String.valueOf(port),
            // as ops run it: the pre- and post-boot commands of payara-config/ (README, operations.md)
            "--prebootcommandfile", Path.of("payara-config", "pre-boot-commands.asadmin").toString(),
            "--postbootcommandfile", Path.of("payara-config", "post-boot-commands.asadmin").toString(),
            "--deploy", war.toString(),
            "--contextroot", "/"));
    Path log = Path.of("target", "payara-" + name + "-" + port + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    // If the test JVM is ended early (a failsafe timeout, Ctrl-C), take the instance with it.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    return new PayaraProcess(process, log, port);
  }

  /**
   * Starts Payara Micro with a command line of someone else's making (a container's entrypoint),
   * in {@code dir}, serving on {@code port}; waits until it is ready.
   */
  public static PayaraProcess start(String name, List<String> command, Map<String, String> env, Path dir, int port)
      throws IOException, InterruptedException {
    Path log = Path.of("target", "payara-" + name + "-" + port + ".log").toAbsolutePath();
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    PayaraProcess payara = new PayaraProcess(process, log, port);
    payara.awaitReady();
    return payara;
  }

  /** A free TCP port on this machine, now. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  public void awaitReady() throws InterruptedException {
    awaitReady(STARTUP);
  }

  /** Waits for the start-up to end, for as long as a machine this busy needs. */
  public void awaitReady(Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!log().contains("ready in")) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Payara exited during start-up; log: " + log);
      }
      if (System.nanoTime() > deadline) {
        close();
        throw new IllegalStateException("Payara not ready within " + within + "; log: " + log);
      }
      Thread.sleep(200);
    }
  }

  public Server server() {
    return Server.at(port);
  }

  /** The JVM's process id (Payara Micro runs in the process started here). */
  public long pid() {
    return process.pid();
  }

  /** Everything the instance logged so far. */
  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * The instance's threads now ({@code jcmd Thread.print}) in {@code file}: what a test that gave
   * up waiting on the instance keeps, so the failure can be read afterwards. The file's path.
   */
  public Path dumpThreads(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), String.valueOf(pid()), "Thread.print")
          .redirectErrorStream(true).redirectOutput(file.toFile()).start().waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return file.toAbsolutePath();
  }

  @Override
  public void close() {
    stop(5);
  }

  /** Kills the instance as a crash does ({@code kill -9}): nothing of it runs to say goodbye. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /**
   * Stops the instance as ops do ({@code SIGTERM}: Payara undeploys the app, which shuts down
   * cleanly), waiting up to {@code seconds} before killing it; true if it stopped by itself.
   */
  public boolean stop(int seconds) {
    process.destroy();
    try {
      if (process.waitFor(seconds, java.util.concurrent.TimeUnit.SECONDS)) {
        return true;
      }
      process.destroyForcibly().waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    return false;
  }


}
