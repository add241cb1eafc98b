package io.herald.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.Cluster;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import jakarta.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * payara-config/nginx.conf as it is (only its listen port and upstream servers changed), with
 * Debian's nginx in front of two Herald instances: SSE events come through at once (no
 * buffering), WebSockets upgrade, and per-address limits count the client nginx names in
 * X-Forwarded-For, Herald trusting nginx's address (herald.proxies.trusted).
 */
class NginxIT {
  private static final Path NGINX = Path.of("/usr/sbin/nginx");
  private static Cluster cluster;
  private static Process nginx;
  private static Server front;
  private final String publisher = Tokens.publisher("backend");

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(NGINX), "Debian's nginx is not installed: nginx test skipped (apt-get install nginx-light)");
    cluster = Cluster.start(Map.of("HERALD_PROXIES_TRUSTED", "127.0.0.1", "HERALD_LIMITS_CONNECTIONS_PER_IP", "1"));
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path dir = Files.createDirectories(Path.of("target", "nginx-" + port).toAbsolutePath());
    String conf =
        Files.readString(Path.of("payara-config", "nginx.conf"))
            .replace("listen 8080;", "listen 127.0.0.1:" + port + ";")
            .replace("server 127.0.0.1:8081;", "server 127.0.0.1:" + cluster.a.server().port() + ";")
            .replace("server 127.0.0.1:8082;", "server 127.0.0.1:" + cluster.b.server().port() + ";");
    Files.writeString(dir.resolve("nginx.conf"), conf);
    nginx =
        new ProcessBuilder(NGINX.toString(), "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(), "-g", "daemon off;")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("nginx.log").toFile())
            .start();
    Runtime.getRuntime().addShutdownHook(new Thread(nginx::destroyForcibly));
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        break;
      } catch (java.io.IOException e) {
        if (System.nanoTime() > deadline || !nginx.isAlive()) {
          throw new IllegalStateException("nginx did not start: " + Files.readString(dir.resolve("nginx.log")));
        }
        Thread.sleep(100);
      }
    }
    front = Server.at(port);
  }

  @AfterAll
  static void stop() throws Exception {
    if (nginx != null) {
      nginx.destroy();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void sseEventsComeThroughAtOnce() throws Exception {
    String alice = Tokens.subscriber("alice");
    try (SseClient stream = SseClient.open(front, "api/realtime/stream?channel=jobs.ngx&access_token=" + alice)) {
      assertEquals("connected", stream.next().name());
      for (int i = 0; i < 3; i++) {
        long sent = System.nanoTime();
        String id = cluster.a.server().publish(publisher, "jobs.ngx", "job.update", "{\"n\":" + i + "}").json().getString("id");
        SseClient.Event event = stream.next();
        while (!"job.update".equals(event.name())) {
          event = stream.next();
        }
        assertEquals(id, event.id());
        long ms = (event.receivedNanos() - sent) / 1_000_000;
        // a small event held in a proxy buffer would wait for the next heartbeat or more
        assertTrue(ms < 500, "event " + i + " took " + ms + " ms through nginx");
      }
    }
  }

  @Test
  void webSocketsUpgradeThroughNginx() throws Exception {
    try (WsClient ws = WsClient.connectForwardedFor(front, Tokens.subscriber("bob"), "198.51.100.2")) {
      assertEquals("connected", ws.next().getString("type"));
      ws.subscribe("jobs.ngxws");
      String id = cluster.b.server().publish(publisher, "jobs.ngxws", "job.update", "{}").json().getString("id");
      JsonObject event = ws.next(f -> "event".equals(f.getString("type")));
      assertEquals(id, event.getString("id"));
    }
  }

  @Test
  void perAddressLimitsCountTheClientNginxNames() throws Exception {
    // every client here comes from 127.0.0.1, which is also nginx's (trusted) address; a client
    // elsewhere would be named by nginx itself. What counts is the address nginx passes on.
    // Limits are per instance, and nginx spreads connections over both: with a limit of one,
    // a third connection from one address finds it taken wherever it lands.
    java.util.List<WsClient> open = new java.util.ArrayList<>();
    try {
      WsClient.Admission admission =
          WsClient.openUntilRefused(3, i -> WsClient.connectForwardedFor(front, Tokens.forUser("c" + i).sign(), "203.0.113.7"), open);
      WsClient.Close refused = admission.refused();
      assertTrue(refused != null && refused.code() == 4030, "203.0.113.7 is at its limit (one per instance)");
      assertTrue(admission.accepted() <= 2, admission.accepted() + " accepted");
      open.add(connected("d1", "203.0.113.8")); // another client behind the same nginx
    } finally {
      open.forEach(WsClient::close);
    }
  }

  private WsClient connected(String user, String address) throws InterruptedException {
    WsClient ws = WsClient.connectForwardedFor(front, Tokens.forUser(user).sign(), address);
    assertEquals("connected", ws.next().getString("type"), user + " from " + address);
    return ws;
  }
}
