package io.herald.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Payara Server 6 domain as an operator runs one: created from the distribution's zip (unpacked
 * by the build), started with {@code asadmin start-domain} and its environment, driven with
 * {@code asadmin}, stopped and deleted at the end. Its ports come from a free port base.
 */
public final class PayaraDomain implements AutoCloseable {
  private static final Path HOME = Path.of(System.getProperty("payara.serverHome", "target/payara-server/payara6"));
  /**
   * The suite's JVM options for short-lived servers (pom.xml, test.payara.jvm: the client
   * compiler only), for the domain's server and every asadmin (AS_EXTRA_JAVA_OPTS, which the
   * distribution's asadmin script passes to its JVM), as PayaraProcess does for Payara Micro.
   */
  private static final String JVM = System.getProperty("test.payara.jvm", "").trim();

  private final String name;
  private final int portBase;
  private final Map<String, String> env;

  private PayaraDomain(String name, int portBase, Map<String, String> env) {
    this.name = name;
    this.portBase = portBase;
    this.env = env;
  }

  /** Creates a domain (no admin password, as on a developer's machine) and starts it with {@code env}. */
  public static PayaraDomain start(String name, Map<String, String> env) throws IOException, InterruptedException {
    executable(HOME.resolve("bin"));
    executable(HOME.resolve("glassfish/bin"));
    Path passwords = Files.writeString(Files.createTempFile("payara", ".pw"), "AS_ADMIN_PASSWORD=\n");
    PayaraDomain domain = new PayaraDomain(name, freePortBase(), env);
    Runtime.getRuntime().addShutdownHook(new Thread(domain::close)); // a test JVM ended early takes it along
    try {
      domain.run(
          List.of(asadmin(), "--user", "admin", "--passwordfile", passwords.toString(),
              "create-domain", "--nopassword=true", "--portbase", String.valueOf(domain.portBase), name),
          Map.of());
    } finally {
      Files.deleteIfExists(passwords);
    }
    domain.jvmOptions();
    domain.run(List.of(asadmin(), "start-domain", name), env);
    return domain;
  }

  /** Adds {@link #JVM} to the server's options in the new domain's configuration (server-config's come first). */
  private void jvmOptions() throws IOException {
    if (JVM.isEmpty()) {
      return;
    }
    Path xml = HOME.resolve("glassfish/domains").resolve(name).resolve("config/domain.xml");
    String config = Files.readString(xml, StandardCharsets.UTF_8);
    String anchor = "<jvm-options>-server</jvm-options>";
    int at = config.indexOf(anchor);
    if (at < 0) {
      throw new IllegalStateException("no " + anchor + " in " + xml);
    }
    StringBuilder options = new StringBuilder();
    for (String option : JVM.split("\\s+")) {
      options.append("<jvm-options>").append(option).append("</jvm-options>");
    }
    at += anchor.length();
    Files.writeString(xml, config.substring(0, at) + options + config.substring(at), StandardCharsets.UTF_8);
  }

  /** The distribution's asadmin. */
  public static String asadmin() {
    return HOME.resolve("bin/asadmin").toString();
  }

  /** The jars of the distribution's Open MQ client (the built-in JMS provider). */
  public static List<Path> openMqClient() {
    return List.of(HOME.resolve("mq/lib/imq.jar"), HOME.resolve("mq/lib/jms.jar"));
  }

  /** The options that point asadmin at this domain's admin port. */
  public String asadminOptions() {
    return "--port " + adminPort();
  }

  public String name() {
    return name;
  }

  public int adminPort() {
    return portBase + 48;
  }

  public int httpPort() {
    return portBase + 80;
  }

  /** The built-in Open MQ broker's port. */
  public int jmsPort() {
    return portBase + 76;
  }

  public Server server() {
    return Server.at(httpPort());
  }

  /** Runs {@code asadmin <args>} against this domain; its output, or an exception naming it if it failed. */
  public String asadmin(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(asadmin(), "--port", String.valueOf(adminPort())));
    command.addAll(List.of(args));
    return run(command, Map.of());
  }

  /** Runs {@code asadmin <args>} expecting it to fail; its output. */
  public String asadminFailing(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(asadmin(), "--port", String.valueOf(adminPort())));
    command.addAll(List.of(args));
    Result result = exec(command, Map.of());
    if (result.status == 0) {
      throw new AssertionError("expected to fail: " + command + "\n" + result.output);
    }
    return result.output;
  }

  /** Runs a command (a script of payara-config/, say) with extra environment; its output. */
  public String run(List<String> command, Map<String, String> extraEnv) throws IOException, InterruptedException {
    Result result = exec(command, extraEnv);
    if (result.status != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed (" + result.status + "):\n" + result.output);
    }
    return result.output;
  }

  private record Result(int status, String output) {}

  private Result exec(List<String> command, Map<String, String> extraEnv) throws IOException, InterruptedException {
    Path out = Files.createTempFile("asadmin", ".out");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
      if (!JVM.isEmpty()) {
        builder.environment().put("AS_EXTRA_JAVA_OPTS", JVM);
      }
      builder.environment().putAll(extraEnv);
      Process process = builder.start();
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " did not finish within 5 minutes");
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** The domain's server log so far. */
  public String log() throws IOException {
    Path log = HOME.resolve("glassfish/domains").resolve(name).resolve("logs/server.log");
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  /** Stops and deletes the domain. */
  @Override
  public void close() {
    try {
      exec(List.of(asadmin(), "stop-domain", "--kill=true", name), Map.of());
      exec(List.of(asadmin(), "delete-domain", name), Map.of());
    } catch (IOException e) {
      // nothing more to do
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The zip's files come out of Maven's unpack without their executable bits. */
  private static void executable(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }

  /** A base whose ports (base + 0..99, of which Payara uses a dozen) are all free now. */
  private static int freePortBase() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(200, 600) * 100;
      if (allFree(base)) {
        return base;
      }
    }
    throw new IOException("no free port base found");
  }

  private static boolean allFree(int base) {
    for (int offset : new int[] {9, 37, 38, 39, 48, 49, 59, 66, 76, 80, 81, 86}) {
      try (ServerSocket socket = new ServerSocket(base + offset)) {
        socket.setReuseAddress(true);
      } catch (IOException taken) {
        return false;
      }
    }
    return true;
  }
}
