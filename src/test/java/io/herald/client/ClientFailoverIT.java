package io.herald.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.Cluster;
import io.herald.testing.FrontProxy;
import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;

/**
 * herald.js in a real browser behind what a company puts in front of Herald: a proxy that stops
 * passing WebSockets, then event streams (the client falls back to SSE, then long-polling), and
 * a load balancer in front of two instances, one of which is killed and replaced under the page.
 * Every event carries a sequence number; the page must show each once, in order.
 */
class ClientFailoverIT {
  private static final Duration SWITCH = Duration.ofSeconds(30);

  private static Cluster cluster;
  private final String publisher = Tokens.publisher("backend");
  private FrontProxy proxy;
  private Browser browser;
  private String name;
  private int published;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = Cluster.start();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void setUp(TestInfo test) {
    browser = Browser.open();
    name = test.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (browser != null) {
      browser.screenshot(name);
      browser.close();
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  private void open(String channel) throws InterruptedException {
    open(browser, channel, "websocket");
  }

  private void open(Browser b, String channel, String transport) throws InterruptedException {
    proxy.page("/test/client.html", TestPage.HTML);
    String token = Tokens.subscriber("alice");
    String forced = transport.equals("websocket") ? "" : "&transport=" + transport;
    b.driver.get(proxy.server().uri("test/client.html?channel=" + channel + "&token=" + token + forced).toString());
    awaitOn(b, "connected", transport);
  }

  private void awaitOn(String state, String transport) throws InterruptedException {
    awaitOn(browser, state, transport);
  }

  private static void awaitOn(Browser b, String state, String transport) throws InterruptedException {
    b.await(
        () -> b.text("state").equals(state) && b.text("transport").equals(transport),
        SWITCH,
        () -> b.text("state") + " over " + b.text("transport"));
  }

  /** Publishes the next {@code n} sequence numbers to {@code channel} through {@code server}. */
  private void publish(Server server, String channel, int n) {
    for (int i = 0; i < n; i++) {
      server.publish(publisher, channel, "job.update", "{\"n\":" + published++ + "}").json();
    }
  }

  /** Waits until the page shows every number published so far, then checks it shows each once, in order. */
  private void awaitEverything() throws InterruptedException {
    awaitEverything(browser);
  }

  private void awaitEverything(Browser b) throws InterruptedException {
    b.await(() -> shown(b).size() >= published, Timeouts.EVENT.multipliedBy(3), () -> "shown " + shown(b));
    assertEquals(IntStream.range(0, published).boxed().toList(), shown(b), "every event, in order, once");
  }

  private List<Integer> shown() {
    return shown(browser);
  }

  private static List<Integer> shown(Browser b) {
    return b.driver.findElements(By.cssSelector("#events li")).stream()
        .map(e -> Integer.valueOf(e.getAttribute("data-n")))
        .toList();
  }

  @Test
  void aProxyThatStopsPassingWebSocketsThenStreamsMovesThePageToSseThenPolling() throws Exception {
    proxy = FrontProxy.start(cluster.b.server().port());
    Server b = cluster.b.server();
    open("jobs.fallback");
    publish(b, "jobs.fallback", 5);
    awaitEverything();

    proxy.blockWebSocket(true);
    proxy.cutAll();
    publish(b, "jobs.fallback", 5); // while the page finds WebSocket refused, three times
    awaitOn("connected", "sse");
    publish(b, "jobs.fallback", 3);
    awaitEverything();

    proxy.blockStreams(true);
    proxy.cutAll();
    publish(b, "jobs.fallback", 5);
    awaitOn("polling", "poll");
    publish(b, "jobs.fallback", 3);
    awaitEverything();
  }

  @Test
  void anInstanceKilledUnderThePageIsLeftForTheOtherAndItsReplacementTakesThePageBack() throws Exception {
    PayaraProcess a = cluster.a;
    Server b = cluster.b.server();
    proxy = FrontProxy.start(a.server().port(), b.port());
    open("jobs.failover");
    assertEquals("a", a.server().get("api/realtime/status").json().getString("instanceId"));
    assertEquals(1, a.server().connections().getInt("websocket", 0), "the balancer chose a");
    publish(a.server(), "jobs.failover", 5);
    awaitEverything();

    a.kill(); // kill -9: its connections drop, nothing says goodbye
    publish(b, "jobs.failover", 5); // while the page is away: it must get these from b
    awaitOn("connected", "websocket");
    awaitEverything();
    assertEquals(1, b.connections().getInt("websocket", 0), "the page moved to b");

    // a replacement starts (a new pod, a new id); once it has seen what the page last saw, the
    // page can move back to it without a gap
    try (PayaraProcess a2 = cluster.launch("a2")) {
      a2.awaitReady();
      Cluster.awaitReadiness(a2.server(), 200);
      proxy.backends(a2.server().port(), b.port());
      publish(b, "jobs.failover", 3);
      awaitEverything();
      proxy.cutAll();
      publish(b, "jobs.failover", 3);
      browser.await(() -> a2.server().connections().getInt("websocket", 0) == 1, SWITCH, () -> a2.server().connections().toString());
      publish(a2.server(), "jobs.failover", 3);
      awaitEverything();
      assertEquals("connected", browser.text("state"));
    }
  }

  @Test
  void aRollingRestartBehindTheBalancerLosesNothingOverWebSocketOrSse() throws Exception {
    PayaraProcess r1 = cluster.launch("r1");
    PayaraProcess r2 = cluster.launch("r2");
    PayaraProcess r3 = null;
    try (Browser sse = Browser.open()) {
      r1.awaitReady();
      r2.awaitReady();
      Cluster.awaitReadiness(r1.server(), 200);
      Cluster.awaitReadiness(r2.server(), 200);
      proxy = FrontProxy.start(r1.server().port(), r2.server().port());
      proxy.healthChecked(true); // as a balancer does: a stopping instance says DOWN first
      open(browser, "jobs.rolling", "websocket");
      open(sse, "jobs.rolling", "sse");
      assertEquals(2, r1.server().connections().getInt("total"), "both pages on r1");
      publish(r2.server(), "jobs.rolling", 5);
      awaitEverything(browser);
      awaitEverything(sse);

      // ops stop r1 (SIGTERM) while events keep coming: its clients reconnect and resume on r2
      stopWhilePublishing(r1, r2.server());
      awaitEverything(browser);
      awaitEverything(sse);
      assertEquals(2, r2.server().connections().getInt("total"), "both pages moved to r2");

      // its replacement comes up; then r2 is stopped the same way
      r3 = cluster.launch("r3");
      r3.awaitReady();
      Cluster.awaitReadiness(r3.server(), 200);
      proxy.backends(r3.server().port(), r2.server().port());
      publish(r2.server(), "jobs.rolling", 3); // r3 has these too: the pages' positions are known there
      awaitEverything(browser);
      awaitEverything(sse);
      stopWhilePublishing(r2, r3.server());
      awaitEverything(browser);
      awaitEverything(sse);
      assertEquals(2, r3.server().connections().getInt("total"), "both pages on r3");
      sse.screenshot(name + "-sse");
    } finally {
      r1.close();
      r2.close();
      if (r3 != null) {
        r3.close();
      }
    }
  }

  /** Stops {@code instance} as ops do (SIGTERM), publishing through {@code other} every 100 ms meanwhile. */
  private void stopWhilePublishing(PayaraProcess instance, Server other) throws Exception {
    java.util.concurrent.CompletableFuture<Boolean> stopped =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> instance.stop(60));
    while (!stopped.isDone()) {
      publish(other, "jobs.rolling", 1);
      Thread.sleep(100);
    }
    assertTrue(stopped.get(), "stopped by itself, within a minute");
  }
}
