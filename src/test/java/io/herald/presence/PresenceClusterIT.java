package io.herald.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.Cluster;
import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.SseClient;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import io.herald.testing.WsClient;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Presence across two instances and a broker, with the default settings: one list everywhere, in
 * the same order; a new instance learns it; a broker restart leaves no ghosts and loses no one;
 * a killed instance's members leave everywhere within 30 s.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PresenceClusterIT {
  private static final String CHANNEL = "docs.c1";
  private static Cluster cluster;
  private static final List<WsClient> clients = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = Cluster.start(Map.of()); // presence on in chat and docs, as shipped
  }

  @AfterAll
  static void stopCluster() throws Exception {
    clients.forEach(WsClient::close);
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String token(String user) {
    return Tokens.forUser(user).subscribe("docs.*").sign();
  }

  /** A member on {@code server}, kept open until the end of the class. */
  private static WsClient join(Server server, String user) throws InterruptedException {
    WsClient client = PresenceIT.connect(server, token(user));
    client.subscribe(CHANNEL);
    clients.add(client);
    return client;
  }

  private static List<String> list(Server server) {
    return PresenceIT.users(server.get("api/channels/" + CHANNEL + "/presence", token("reader")).json());
  }

  /** The list on {@code server} once it is {@code expected}; fails with what it is after a while. */
  private static void awaitList(Server server, List<String> expected, Duration within) throws InterruptedException {
    awaitTrue(() -> list(server).equals(expected), within, () -> "list on " + server.port() + " is " + list(server) + ", not " + expected);
  }

  private static void awaitTrue(Supplier<Boolean> condition, Duration within, Supplier<String> otherwise) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(otherwise.get());
      }
      Thread.sleep(50);
    }
  }

  @Test
  @Order(1)
  void membersOnBothInstancesAreInBothListsInTheOrderTheyJoined() throws Exception {
    Server a = cluster.a.server();
    Server b = cluster.b.server();
    WsClient watcher = join(a, "watcher");
    PresenceIT.presence(watcher, "join", "watcher");
    List<String> expected = new ArrayList<>(List.of("watcher"));
    for (String user : List.of("ann", "ben", "cat", "dan")) {
      long joined = System.nanoTime();
      join(user.equals("ben") || user.equals("dan") ? b : a, user);
      PresenceIT.presence(watcher, "join", user);
      long seenAfter = (System.nanoTime() - joined) / 1_000_000;
      System.out.println("presence: " + user + " seen by a watcher on the other or same instance after " + seenAfter + " ms");
      expected.add(user);
    }
    awaitList(a, expected, Timeouts.EVENT);
    awaitList(b, expected, Timeouts.EVENT);
    WsClient late = join(b, "eve");
    assertEquals(expected, PresenceIT.users(PresenceIT.presence(late, "snapshot")), "a subscriber on b gets the same list first");

    String other = Tokens.forUser("olaf").subscribe("docs.*").tenant("acme").sign();
    try (WsClient olaf = PresenceIT.connect(b, other)) {
      olaf.subscribe(CHANNEL);
      assertEquals(List.of(), PresenceIT.users(PresenceIT.presence(olaf, "snapshot")), "another tenant's docs.c1 is another channel");
      PresenceIT.presence(olaf, "join", "olaf");
      expected.add("eve");
      awaitList(a, expected, Timeouts.EVENT);
      assertTrue(!list(a).contains("olaf") && !list(b).contains("olaf"), "no user of another tenant in the list");
    }
  }

  @Test
  @Order(2)
  void aNewInstanceLearnsThePresenceOfEveryChannel() throws Exception {
    List<String> now = list(cluster.a.server());
    try (PayaraProcess c = cluster.launch("c")) {
      c.awaitReady();
      Cluster.awaitReadiness(c.server(), 200);
      awaitList(c.server(), now, Timeouts.EVENT);
      WsClient fresh = join(c.server(), "fay");
      List<String> withFay = new ArrayList<>(now);
      withFay.add("fay");
      assertEquals(now, PresenceIT.users(PresenceIT.presence(fresh, "snapshot")));
      awaitList(cluster.a.server(), withFay, Timeouts.EVENT);
      fresh.close();
      clients.remove(fresh);
      awaitList(cluster.a.server(), now, Timeouts.EVENT);
    }
    // c stopped cleanly: it said goodbye, nobody of it lingers
    awaitList(cluster.b.server(), now, Timeouts.EVENT);
  }

  @Test
  @Order(3)
  void anSseClientOnOneInstanceSendsThroughTheOtherAsThroughItsOwn() throws Exception {
    String ivy = Tokens.forUser("ivy").subscribe("docs.*").sign();
    try (SseClient stream = SseClient.open(cluster.a.server(), "api/realtime/stream?channel=chat.c2&access_token=" + ivy);
        WsClient jon = PresenceIT.connect(cluster.a.server(), token("jon"))) {
      String connectionId = stream.next().json().getString("connectionId");
      jon.subscribe("chat.c2");
      PresenceIT.presence(jon, "snapshot");
      Server b = cluster.b.server(); // the load balancer sent the POST to the other instance

      Server.Reply published =
          b.send(ivy, connectionId, "{\"type\":\"publish\",\"id\":\"p1\",\"channel\":\"chat.c2\",\"event\":\"chat.message\",\"data\":\"hi\"}");
      assertEquals(200, published.status(), published.body());
      assertEquals("p1", published.json().getString("ref"));
      assertEquals(published.json().getString("eventId"), jon.nextOfType("event").getString("id"));
      assertEquals(200, b.send(ivy, connectionId, "{\"type\":\"presence.update\",\"channel\":\"chat.c2\",\"state\":{\"x\":9}}").status());
      JsonObject moved = PresenceIT.presence(jon, "update", "ivy").getJsonArray("members").getJsonObject(0);
      assertEquals(9, moved.getJsonObject("state").getInt("x"));
      Server.Reply denied = b.send(ivy, connectionId, "{\"type\":\"typing\",\"channel\":\"chat.other\",\"state\":\"start\"}");
      assertEquals(403, denied.status(), "the rules of the instance that holds the connection, answered through the other");
      assertEquals("PERMISSION_DENIED", denied.code());
      assertEquals(404, b.send(token("jon"), connectionId, "{\"type\":\"presence.get\",\"channel\":\"chat.c2\"}").status(), "only ivy's");
      assertEquals(404, b.send(ivy, "no-such-connection", "{\"type\":\"presence.get\",\"channel\":\"chat.c2\"}").status());
    }
  }

  @Test
  @Order(4)
  void aBrokerRestartLeavesNoGhostsAndLosesNoOne() throws Exception {
    Server a = cluster.a.server();
    Server b = cluster.b.server();
    List<String> before = list(a);
    WsClient gus = join(a, "gus");
    List<String> withGus = new ArrayList<>(before);
    withGus.add("gus");
    awaitList(b, withGus, Timeouts.EVENT);

    cluster.broker.stop();
    gus.close(); // leaves while the instances cannot tell each other
    clients.remove(gus);
    WsClient hal = join(b, "hal"); // joins meanwhile
    Thread.sleep(2_000);
    assertTrue(list(a).containsAll(before) && list(b).containsAll(before), "nobody leaves because the broker is away");
    cluster.broker.start();

    List<String> after = new ArrayList<>(before);
    after.add("hal");
    awaitList(a, after, Duration.ofSeconds(30));
    awaitList(b, after, Duration.ofSeconds(30));
    assertTrue(hal.isOpen());
  }

  @Test
  @Order(5)
  void aKilledInstancesMembersLeaveEverywhereWithinThirtySeconds() throws Exception {
    Server a = cluster.a.server();
    List<String> before = list(a);
    WsClient watcher = clients.get(0); // on a
    List<String> onB = List.of("ben", "dan", "eve", "hal");
    assertTrue(before.containsAll(onB), before.toString());

    long killed = System.nanoTime();
    cluster.b.kill();
    List<String> left = new ArrayList<>();
    while (!left.containsAll(onB)) {
      JsonObject frame = watcher.poll(Duration.ofSeconds(30));
      assertTrue(frame != null, "members of the killed instance still there after 30 s; left: " + left);
      if ("presence".equals(frame.getString("type")) && "leave".equals(frame.getString("action"))) {
        PresenceIT.users(frame).stream().filter(onB::contains).forEach(left::add);
      }
    }
    long after = (System.nanoTime() - killed) / 1_000_000;
    System.out.println("presence: members of a killed instance left after " + after + " ms");
    assertTrue(after < 30_000, "within 30 s: " + after + " ms");
    List<String> rest = new ArrayList<>(before);
    rest.removeAll(onB);
    assertEquals(rest, list(a));
  }
}
