package io.herald.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.client.Browser;
import io.herald.testing.ArtemisBroker;
import io.herald.testing.Cluster;
import io.herald.testing.Metrics;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.jms.JMSContext;
import java.io.StringReader;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.openqa.selenium.By;

/**
 * The admin API, the audit log and the live dashboard on two instances sharing one broker, as ops
 * run them: a user disconnected everywhere with the documented code, refusals for non-admins and
 * other tenants, each instance's figures, audit files of bare JSON lines without a token, and the
 * dashboard in a real browser (screenshot in target/browser/admin-dashboard.png).
 */
class AdminClusterIT {
  private static Cluster cluster;
  private static Path auditDir;
  /** Every token this class signs: none may appear in an audit line. */
  private static final Set<String> TOKENS = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void start() throws Exception {
    auditDir = Files.createTempDirectory("herald-audit");
    cluster =
        Cluster.start(
            Map.of(
                "HERALD_NAMESPACE_CHAT_PRESENCE", "false",
                "HERALD_NAMESPACE_DOCS_PRESENCE", "false",
                "HERALD_ADMIN_SUPER_GROUP", "ops",
                "HERALD_ADMIN_STREAM_MS", "500",
                // each instance its own file: %u numbers them apart
                "HERALD_AUDIT_FILE", auditDir.resolve("audit-%u.log").toString()));
    // instances say hello every 2 s: within a few seconds each knows the other
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (cluster.b.server().get("api/admin/instances", admin("default")).json().getJsonArray("instances").size() < 2) {
      assertTrue(System.nanoTime() < deadline, "b never heard of a");
      Thread.sleep(200);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String token(Tokens tokens) {
    String token = tokens.sign();
    TOKENS.add(token);
    return token;
  }

  private static String admin(String tenant) {
    return token(Tokens.forUser("admin-" + tenant).groups("admin").tenant(tenant));
  }

  private static Server.Reply delete(Server server, String path, String token) {
    return Server.send(HttpRequest.newBuilder(server.uri(path)).header("Authorization", "Bearer " + token).DELETE());
  }

  @Test
  void anAdminDisconnectsAUserOnEveryInstanceAndTheClientsAreTold() throws Exception {
    String alice = token(Tokens.forUser("alice").tenant("default"));
    String bob = token(Tokens.forUser("bob").tenant("default"));
    try (WsClient aliceOnA = WsClient.connect(cluster.a.server(), alice);
        SseClient aliceOnB = SseClient.open(cluster.b.server(), "api/realtime/stream?channel=chat.revoke&access_token=" + alice);
        WsClient bobOnA = WsClient.connect(cluster.a.server(), bob)) {
      aliceOnA.subscribe("chat.revoke");
      bobOnA.subscribe("chat.revoke");
      assertEquals("connected", aliceOnB.next().name());

      JsonObject listed = cluster.b.server().get("api/admin/connections?user=alice", admin("default")).json();
      assertEquals(List.of("a", "b"), answeredBy(listed));
      assertEquals(2, listed.getInt("matched"), listed.toString());
      JsonObject onB = listed.getJsonArray("connections").stream().map(v -> v.asJsonObject()).filter(c -> c.getString("instanceId").equals("b")).findFirst().orElseThrow();
      assertEquals("sse", onB.getString("transport"));
      assertEquals(List.of("chat.revoke"), onB.getJsonArray("channels").getValuesAs(jakarta.json.JsonString::getString));
      assertEquals("127.0.0.1", onB.getString("address"));
      assertTrue(onB.getString("userAgent").startsWith("Java-http-client"), onB.toString());

      Server.Reply disconnected = delete(cluster.a.server(), "api/admin/users/alice/connections?reason=Access%20revoked", admin("default"));
      assertEquals(200, disconnected.status(), disconnected.body());
      assertEquals(2, disconnected.json().getInt("disconnected"));

      WsClient.Close close = aliceOnA.awaitClose(Timeouts.EVENT);
      assertEquals(4010, close.code());
      assertEquals("Access revoked", close.reason());
      SseClient.Event told = aliceOnB.next();
      assertEquals("disconnected", told.name());
      assertEquals(4010, told.json().getInt("code"));
      assertEquals("Access revoked", told.json().getString("reason"));

      // bob is untouched: still subscribed, still delivered to
      cluster.a.server().publish(Tokens.publisher("svc"), "chat.revoke", "after", "{}");
      assertEquals("after", bobOnA.nextOfType("event").getString("event"));
      JsonObject left = cluster.a.server().get("api/admin/connections?channel=chat.revoke", admin("default")).json();
      assertEquals(1, left.getInt("matched"), left.toString());
      assertEquals("bob", left.getJsonArray("connections").getJsonObject(0).getString("user"));
    }
  }

  @Test
  void aConnectionIsDisconnectedByIdOnWhicheverInstanceHoldsIt() throws Exception {
    String carol = token(Tokens.forUser("carol").tenant("default"));
    try (SseClient onB = SseClient.open(cluster.b.server(), "api/realtime/stream?channel=chat.byid&access_token=" + carol)) {
      String id = onB.next().json().getString("connectionId");
      Server.Reply reply = delete(cluster.a.server(), "api/admin/connections/" + id, admin("default"));
      assertEquals(1, reply.json().getInt("disconnected"), reply.body());
      assertEquals("disconnected", onB.next().name());
    }
  }

  @Test
  void nonAdminsAndAdminsOfOtherTenantsAreRefused() throws Exception {
    String dave = token(Tokens.forUser("dave").tenant("default"));
    try (WsClient daveOnA = WsClient.connect(cluster.a.server(), dave)) {
      daveOnA.subscribe("chat.scoped");
      Server.Reply notAdmin = cluster.a.server().get("api/admin/connections", dave);
      assertEquals(403, notAdmin.status());
      assertEquals("PERMISSION_DENIED", notAdmin.code());
      assertEquals(401, cluster.a.server().get("api/admin/instances").status(), "no token");

      String globex = admin("globex");
      Server.Reply otherTenant = delete(cluster.a.server(), "api/admin/users/dave/connections?tenant=default", globex);
      assertEquals(403, otherTenant.status());
      assertEquals("PERMISSION_DENIED", otherTenant.code());
      // within its own tenant there is no dave: nothing happens to default's dave
      Server.Reply ownTenant = delete(cluster.a.server(), "api/admin/users/dave/connections", globex);
      assertEquals(0, ownTenant.json().getInt("disconnected"), ownTenant.body());
      assertEquals(0, cluster.a.server().get("api/admin/connections?user=dave", globex).json().getInt("matched"));

      // a super-admin (herald.admin.super-group) sees every tenant, or the one it names
      String ops = token(Tokens.forUser("ops").groups("ops").tenant("globex"));
      assertEquals(1, cluster.b.server().get("api/admin/connections?user=dave", ops).json().getInt("matched"));
      assertEquals(1, cluster.b.server().get("api/admin/connections?user=dave&tenant=default", ops).json().getInt("matched"));
      assertEquals(400, delete(cluster.a.server(), "api/admin/users/dave/connections?reason=" + "x".repeat(121), admin("default")).status());
      assertTrue(daveOnA.isOpen(), "refused requests disconnect nobody");
    }
  }

  @Test
  void instancesAndChannelsAreAnsweredForTheWholeCluster() throws Exception {
    String erin = token(Tokens.forUser("erin").tenant("default"));
    try (WsClient onA = WsClient.connect(cluster.a.server(), erin);
        SseClient onB = SseClient.open(cluster.b.server(), "api/realtime/stream?channel=chat.count&access_token=" + erin)) {
      onA.subscribe("chat.count");
      onB.next();
      JsonObject instances = cluster.a.server().get("api/admin/instances", admin("default")).json();
      List<JsonObject> list = instances.getJsonArray("instances").getValuesAs(JsonObject.class);
      assertEquals(List.of("a", "b"), list.stream().map(i -> i.getString("instanceId")).toList());
      for (JsonObject instance : list) {
        assertTrue(instance.getBoolean("brokerConnected"), instance.toString());
        assertTrue(instance.getJsonObject("connections").getInt("total") >= 1, instance.toString());
      }
      JsonObject channel = cluster.b.server().get("api/admin/channels/chat.count", admin("default")).json();
      JsonObject counted = channel.getJsonArray("channels").getJsonObject(0);
      assertEquals(2, counted.getInt("subscribers"), channel.toString());
      assertEquals(1, counted.getJsonObject("subscribersByInstance").getInt("a"));
      assertEquals(1, counted.getJsonObject("subscribersByInstance").getInt("b"));
      String openapi = cluster.a.server().getRoot("openapi").body();
      for (String path : List.of("/api/admin/connections", "/api/admin/users/{user}/connections", "/api/admin/instances", "/api/admin/channels")) {
        assertTrue(openapi.contains(path), "the admin API is in /openapi: " + path);
      }
    }
  }

  @Test
  void theAuditLogIsOneJsonObjectPerLineAndNeverAToken() throws Exception {
    String frank = token(Tokens.forUser("frank").tenant("default"));
    try (WsClient ws = WsClient.connect(cluster.a.server(), frank)) {
      ws.subscribe("chat.audit");
      assertEquals("error", ws.call("subscribe", "\"channel\":\"user.someone-else\"").getString("type"));
      String fresh = token(Tokens.forUser("frank").tenant("default"));
      assertEquals("ok", ws.call("refresh", "\"token\":\"" + fresh + "\"").getString("type"));
    }
    List<JsonObject> lines = new ArrayList<>();
    long deadline = System.nanoTime() + Timeouts.EVENT.toNanos();
    while (true) {
      lines = audit();
      boolean closed = lines.stream().anyMatch(l -> l.getString("audit").equals("close") && "frank".equals(l.getString("user", null)));
      if (closed || System.nanoTime() > deadline) {
        break;
      }
      Thread.sleep(100);
    }
    List<JsonObject> franks = lines.stream().filter(l -> "frank".equals(l.getString("user", null))).toList();
    Set<String> kinds = franks.stream().map(l -> l.getString("audit")).collect(Collectors.toSet());
    assertEquals(Set.of("connect", "subscribe", "subscribe_refused", "token_refresh", "close"), kinds, franks.toString());
    for (JsonObject line : franks) {
      assertEquals("default", line.getString("tenant"));
      assertEquals("websocket", line.getString("transport"));
      assertEquals("127.0.0.1", line.getString("address"));
      assertFalse(line.getString("connectionId", "").isEmpty(), line.toString());
    }
    JsonObject close = franks.stream().filter(l -> l.getString("audit").equals("close")).findFirst().orElseThrow();
    assertEquals("client_gone", close.getString("reason"));
    assertTrue(close.getJsonNumber("durationMs").longValue() > 0);
    assertTrue(lines.stream().anyMatch(l -> l.getString("audit").equals("admin")), "admin actions are audited");
    String everything = String.join("\n", lines.stream().map(JsonObject::toString).toList());
    for (String token : TOKENS) {
      assertFalse(everything.contains(token), "an audit line carries a token");
      assertFalse(everything.contains(token.substring(token.lastIndexOf('.') + 1)), "an audit line carries a signature");
    }
  }

  @Test
  void aProducersMessageIsCountedInOnceAndReceivedOnEachInstanceWithItsBrokerHop() throws Exception {
    double inA = Metrics.value(cluster.a.server(), "herald_events_in_total", "source=\"jms\"");
    double inB = Metrics.value(cluster.b.server(), "herald_events_in_total", "source=\"jms\"");
    double receivedB = Metrics.value(cluster.b.server(), "herald_events_received_total");
    double hopsB = Metrics.value(cluster.b.server(), "herald_broker_latency_ms_count");
    String heidi = token(Tokens.forUser("heidi").tenant("default"));
    try (SseClient onB = SseClient.open(cluster.b.server(), "api/realtime/stream?channel=chat.jms&access_token=" + heidi)) {
      onB.next();
      try (JMSContext jms = new ActiveMQConnectionFactory(cluster.broker.url()).createContext(ArtemisBroker.PRODUCER, ArtemisBroker.PASSWORD)) {
        jms.createProducer().send(jms.createTopic("herald.events"), Cluster.text(jms, "{\"from\":\"erp\"}", "chat.jms", "order", "default"));
      }
      assertEquals("order", onB.next().name());
    }
    double taken =
        Metrics.value(cluster.a.server(), "herald_events_in_total", "source=\"jms\"") - inA
            + Metrics.value(cluster.b.server(), "herald_events_in_total", "source=\"jms\"") - inB;
    assertEquals(1, taken, "taken in by one instance");
    assertEquals(1, Metrics.value(cluster.b.server(), "herald_events_received_total") - receivedB);
    assertEquals(1, Metrics.value(cluster.b.server(), "herald_broker_latency_ms_count") - hopsB);
  }

  /** Every line of every instance's audit file, each parsed as one JSON object. */
  private static List<JsonObject> audit() throws Exception {
    List<JsonObject> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(auditDir)) {
      for (Path file : files.filter(f -> !f.toString().endsWith(".lck")).toList()) {
        for (String line : Files.readAllLines(file)) {
          try (var reader = Json.createReader(new StringReader(line))) {
            lines.add(reader.readObject()); // fails the test if a line is not one JSON object
          }
        }
      }
    }
    return lines;
  }

  @Test
  void theLiveDashboardShowsBothInstancesInARealBrowser() throws Exception {
    String grace = token(Tokens.forUser("grace").tenant("default"));
    java.util.concurrent.atomic.AtomicBoolean publishing = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread traffic =
        new Thread(
            () -> {
              String svc = Tokens.publisher("svc");
              while (publishing.get()) {
                cluster.a.server().publish(svc, "chat.dash", "tick", "{}");
                try {
                  Thread.sleep(50);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    try (SseClient onA = SseClient.open(cluster.a.server(), "api/realtime/stream?channel=chat.dash&access_token=" + grace);
        Browser browser = Browser.open()) {
      onA.next();
      traffic.start();
      browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1300));
      browser.driver.get(cluster.a.server().root("admin/#token=" + admin("default")).toString());
      browser.await(
          () -> browser.driver.findElements(By.cssSelector("#instances tbody tr")).size() == 2,
          Duration.ofSeconds(20),
          () -> browser.driver.findElement(By.tagName("body")).getText());
      assertEquals("live", browser.driver.findElement(By.id("state")).getText());
      assertEquals("broker up", browser.driver.findElement(By.id("broker")).getText());
      assertEquals("2", browser.driver.findElement(By.id("t-instances")).getText());
      assertFalse(browser.driver.getCurrentUrl().contains("token="), "the token leaves the address bar");
      assertEquals(4, browser.driver.findElements(By.cssSelector(".charts canvas")).size(), "four charts drawn");
      // the publisher's events show as rates, and its channel as the busiest (a 10 s window)
      browser.await(
          () -> number(browser, "t-in") > 0 && number(browser, "t-out") > 0,
          Duration.ofSeconds(10),
          () -> browser.driver.findElement(By.className("tiles")).getText());
      browser.await(
          () -> browser.driver.findElement(By.id("channels")).getText().contains("chat.dash"),
          Duration.ofSeconds(20),
          () -> browser.driver.findElement(By.id("channels")).getText());
      assertTrue(number(browser, "t-connections") >= 1);
      browser.screenshot("admin-dashboard");
    } finally {
      publishing.set(false);
      traffic.join();
    }
  }

  private static double number(Browser browser, String id) {
    String text = browser.driver.findElement(By.id(id)).getText().replace(",", "").replace(" ms", "");
    return text.equals("–") ? 0 : Double.parseDouble(text);
  }

  private static List<String> answeredBy(JsonObject answer) {
    return answer.getJsonArray("answeredBy").getValuesAs(jakarta.json.JsonString::getString);
  }
}
