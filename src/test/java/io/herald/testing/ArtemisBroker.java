package io.herald.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real standalone ActiveMQ Artemis broker (the distribution from Maven Central, unpacked by the
 * build): created with {@code artemis create}, run with {@code artemis run}, persistent, login
 * required, on a free loopback port. Stop and start it again to play a broker restart.
 */
public final class ArtemisBroker implements AutoCloseable {
  /** Herald's login: role {@code herald}, with only the permissions docs/jms.md gives it. */
  public static final String USER = "herald";
  public static final String PASSWORD = "herald-secret";
  /** A second Herald login, so a test can cut one instance's connection and not the other's. */
  public static final String OTHER_USER = "herald-b";
  /** Another system's producer: role {@code producer}, which may only send to the ingress. */
  public static final String PRODUCER = "producer";
  /** The broker's operator (role {@code amq}): management, reading the dead letters. */
  public static final String ADMIN = "admin";

  private final Path instance;
  private final int port;
  private Process process;

  private ArtemisBroker(Path instance, int port) {
    this.instance = instance;
    this.port = port;
  }

  public static ArtemisBroker create(String name) throws IOException, InterruptedException {
    Path home = Path.of(System.getProperty("artemis.home", "target/artemis/apache-artemis-2.40.0"));
    int port = freePort();
    Path instance = Path.of("target", "broker-" + name + "-" + port).toAbsolutePath();
    run(
        List.of(
            home.resolve("bin/artemis").toString(), "create", instance.toString(),
            "--silent", "--force", "--user", USER, "--password", PASSWORD, "--require-login",
            "--host", "127.0.0.1", "--default-port", String.valueOf(port),
            "--no-amqp-acceptor", "--no-stomp-acceptor", "--no-mqtt-acceptor", "--no-hornetq-acceptor",
            "--no-web", "--nio", "--no-fsync", "--no-autotune", "--java-memory", "512M"),
        Path.of("target", "broker-" + name + "-create.log"));
    // Plain-text entries are accepted beside the hashed one that 'create' wrote.
    Files.writeString(
        instance.resolve("etc/artemis-users.properties"),
        "\n" + OTHER_USER + " = " + PASSWORD + "\n" + PRODUCER + " = " + PASSWORD + "\n" + ADMIN + " = " + PASSWORD + "\n",
        java.nio.file.StandardOpenOption.APPEND);
    Files.writeString(
        instance.resolve("etc/artemis-roles.properties"),
        "amq = " + ADMIN + "\nherald = " + USER + "," + OTHER_USER + "\nproducer = " + PRODUCER + "\n");
    Path xml = instance.resolve("etc/broker.xml");
    String config = Files.readString(xml);
    config =
        config.substring(0, config.indexOf("<security-settings>"))
            + HeraldRoles.SECURITY_SETTINGS
            + config.substring(config.indexOf("</security-settings>") + "</security-settings>".length());
    config = config.replace("<address-settings>", "<address-settings>\n" + HeraldRoles.ADDRESS_SETTINGS);
    config = config.replace("<addresses>", "<addresses>\n" + HeraldRoles.ADDRESSES);
    Files.writeString(xml, config);
    ArtemisBroker broker = new ArtemisBroker(instance, port);
    broker.start();
    return broker;
  }

  /** The port of its one acceptor (every protocol). */
  public int port() {
    return port;
  }

  /** The core protocol URL (the acceptor also speaks AMQP, STOMP, MQTT and OpenWire). */
  public String url() {
    return "tcp://127.0.0.1:" + port;
  }

  public String amqpUrl() {
    return "amqp://127.0.0.1:" + port;
  }

  /** Closes every connection of a user, as an operator would from the console. */
  public void closeConnectionsOf(String user) throws Exception {
    var factory = new org.apache.activemq.artemis.jms.client.ActiveMQQueueConnectionFactory(url());
    try (jakarta.jms.QueueConnection connection = factory.createQueueConnection(ADMIN, PASSWORD)) {
      jakarta.jms.QueueSession session = connection.createQueueSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE);
      jakarta.jms.QueueRequestor requestor =
          new jakarta.jms.QueueRequestor(session, session.createQueue("activemq.management"));
      connection.start();
      jakarta.jms.Message request = session.createMessage();
      org.apache.activemq.artemis.api.jms.management.JMSManagementHelper.putOperationInvocation(
          request, org.apache.activemq.artemis.api.core.management.ResourceNames.BROKER, "closeConnectionsForUser", user);
      jakarta.jms.Message reply = requestor.request(request);
      if (!org.apache.activemq.artemis.api.jms.management.JMSManagementHelper.hasOperationSucceeded(reply)) {
        throw new IllegalStateException("closeConnectionsForUser failed: " + reply.getBody(String.class));
      }
    }
  }

  public void start() throws IOException, InterruptedException {
    process =
        new ProcessBuilder(instance.resolve("bin/artemis").toString(), "run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(instance.resolve("run.log").toFile()))
            .start();
    // If the test JVM is ended early, take the broker with it ('artemis run' execs the JVM).
    Process started = process;
    Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!accepting()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("Artemis did not start; see " + instance.resolve("run.log"));
      }
      Thread.sleep(100);
    }
  }

  public void stop() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      process = null;
    }
  }

  private boolean accepting() {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private static void run(List<String> command, Path log) throws IOException, InterruptedException {
    Files.createDirectories(log.getParent());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("artemis create failed; see " + log);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
