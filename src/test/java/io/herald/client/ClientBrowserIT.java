package io.herald.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.HeraldDeployment;
import io.herald.testing.Server;
import io.herald.testing.Timeouts;
import io.herald.testing.Tokens;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import jakarta.json.JsonObject;
import org.openqa.selenium.By;
import org.openqa.selenium.WindowType;

/**
 * herald.js in a real browser (headless Chromium): a page that imports it from Herald gets every
 * event of its channel, in order, once, over each transport; and after its WebSocket is cut it
 * resumes with nothing lost or doubled.
 */
@ExtendWith(ArquillianExtension.class)
class ClientBrowserIT {
  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(Map.of("herald.limits.publish.burst", "100000"))
        .addAsWebResource(new StringAsset(TestPage.HTML), "test/client.html");
  }

  @ArquillianResource URL url;
  private Server server;
  private Browser browser;
  private String name;
  private final String publisher = Tokens.publisher("backend");

  @BeforeEach
  void setUp(TestInfo test) {
    server = Server.at(url);
    browser = Browser.open();
    String display = test.getDisplayName(); // "[1] websocket" for a parameterized run
    name = test.getTestMethod().orElseThrow().getName() + (display.startsWith("[") ? "-" + display.substring(display.indexOf(']') + 1).trim() : "");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (browser != null) {
      browser.screenshot(name);
      browser.close();
    }
  }

  private void open(String channel, String transport) throws InterruptedException {
    open(channel, transport, Tokens.subscriber("alice"));
  }

  /** Opens the page; it gets {@code tokens} one after the other from its getToken. */
  private void open(String channel, String transport, String... tokens) throws InterruptedException {
    openWith("", channel, transport, tokens);
  }

  private void openWith(String extra, String channel, String transport, String... tokens) throws InterruptedException {
    StringBuilder query = new StringBuilder("channel=" + channel + "&transport=" + transport + extra);
    for (String token : tokens) {
      query.append("&token=").append(token);
    }
    browser.driver.get(server.uri("test/client.html?" + query).toString());
    awaitConnected(transport);
  }

  private void awaitConnected(String transport) throws InterruptedException {
    String expected = transport.equals("poll") ? "polling" : "connected";
    browser.await(() -> browser.text("state").equals(expected), Timeouts.EVENT, () -> "state " + browser.text("state") + ", errors: " + browser.text("error"));
    assertEquals(transport, browser.text("transport"));
  }

  private List<String> shown() {
    return browser.driver.findElements(By.cssSelector("#events li")).stream().map(e -> e.getText()).toList();
  }

  private List<String> publish(String channel, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(server.publish(publisher, channel, "job.update", "{\"n\":" + i + "}").json().getString("id"));
    }
    return ids;
  }

  private void awaitShown(List<String> ids) throws InterruptedException {
    browser.await(() -> shown().size() >= ids.size(), Timeouts.EVENT, () -> "shown " + shown());
    assertEquals(ids, shown(), "every event, in order, once");
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "sse", "poll"})
  void aPageGetsEveryEventOfItsChannelInOrderOverEachTransport(String transport) throws Exception {
    String channel = "jobs.b" + transport;
    open(channel, transport);
    awaitShown(publish(channel, 20));
  }

  @Test
  void aCutWebSocketResumesWithNothingLostOrDoubled() throws Exception {
    open("jobs.cut", "websocket");
    List<String> ids = new ArrayList<>(publish("jobs.cut", 5));
    awaitShown(ids);
    browser.driver.executeScript("window.herald.transport.socket.close(4000, 'cut by the test')");
    ids.addAll(publish("jobs.cut", 5)); // while it is away or coming back
    awaitShown(ids);
    browser.await(() -> browser.text("state").equals("connected"), Timeouts.EVENT, () -> browser.text("state"));
    ids.addAll(publish("jobs.cut", 3));
    awaitShown(ids);
    assertEquals(1L, (Long) browser.driver.executeScript("return window.herald.getStats().reconnects"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "sse", "poll"})
  void aPageAnAdminDisconnectsFailsWithTheReasonAndDoesNotComeBack(String transport) throws Exception {
    String user = "revoked-" + transport;
    open("jobs.d" + transport, transport, Tokens.subscriber(user));
    String admin = Tokens.forUser("root").groups("admin").sign();
    Server.Reply reply =
        Server.send(
            java.net.http.HttpRequest.newBuilder(server.uri("api/admin/users/" + user + "/connections?reason=Revoked%20by%20the%20test"))
                .header("Authorization", "Bearer " + admin)
                .DELETE());
    assertEquals(1, reply.json().getInt("disconnected"), reply.body());
    browser.await(() -> browser.text("state").equals("failed"), Timeouts.EVENT, () -> "state " + browser.text("state"));
    assertTrue(browser.text("error").contains("4010"), browser.text("error"));
    assertTrue(browser.text("error").contains("Revoked by the test"), browser.text("error"));
    Thread.sleep(Timeouts.QUIET.toMillis());
    assertEquals("failed", browser.text("state"), "it does not reconnect by itself");
    assertEquals(0, server.get("api/admin/connections?user=" + user, admin).json().getInt("matched"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "sse"})
  void aTokenThatExpiresDuringTheSessionIsRefreshedWithNoGap(String transport) throws Exception {
    String channel = "jobs.t" + transport;
    String shortLived = Tokens.forUser("alice").subscribe("jobs.*").expiresAt(java.time.Instant.now().plusSeconds(6)).sign();
    String fresh = Tokens.subscriber("alice");
    open(channel, transport, shortLived, fresh);
    List<String> ids = new ArrayList<>(publish(channel, 3));
    awaitShown(ids);
    // past the first token's exp and the server's spread (herald.security.expiry-spread-ms, 5 s)
    for (int i = 0; i < 12; i++) {
      ids.addAll(publish(channel, 1));
      Thread.sleep(1000);
    }
    awaitShown(ids);
    assertEquals("connected", browser.text("state"));
    assertEquals(0L, (Long) browser.driver.executeScript("return window.herald.getStats().reconnects"), "refreshed, never cut");
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "sse"})
  void aReloadedPageResumesWithNothingLostOrDoubled(String transport) throws Exception {
    String channel = "jobs.r" + transport;
    open(channel, transport);
    awaitShown(publish(channel, 5));
    browser.driver.navigate().refresh(); // the page's list starts empty again
    List<String> after = new ArrayList<>(publish(channel, 5)); // while it reloads and reconnects
    awaitConnected(transport);
    after.addAll(publish(channel, 3));
    // what came after the reload, once: nothing from before it again (sessionStorage), nothing lost
    awaitShown(after);
  }

  @Test
  void twoTabsShareOneConnectionAndAReloadedTabCatchesUp() throws Exception {
    JsonObject before = server.connections();
    openWith("&shared=1", "jobs.tabs", "websocket", Tokens.subscriber("tabs"));
    String first = browser.driver.getWindowHandle();
    // WebSockets of earlier tests close at once (SSE and poll sessions may linger: not counted)
    browser.await(() -> websockets() == 1, Timeouts.EVENT, () -> server.connections().toString());
    List<String> ids = new ArrayList<>(publish("jobs.tabs", 3));
    awaitShown(ids);

    browser.driver.switchTo().newWindow(WindowType.TAB);
    openWith("&shared=1", "jobs.tabs", "websocket", Tokens.subscriber("tabs"));
    String second = browser.driver.getWindowHandle();
    List<String> later = publish("jobs.tabs", 4);
    awaitShown(later); // the second tab shows what came after it opened
    assertEquals(1, websockets(), "two tabs, one connection");
    assertEquals(2L, (Long) browser.driver.executeScript("return window.herald.getStats().tabs"));
    ids.addAll(later);
    browser.driver.switchTo().window(first);
    awaitShown(ids);

    // the first tab reloads while the second keeps the connection: it resumes from where it stood
    browser.driver.navigate().refresh();
    List<String> afterReload = new ArrayList<>(publish("jobs.tabs", 3));
    awaitConnected("websocket");
    afterReload.addAll(publish("jobs.tabs", 2));
    awaitShown(afterReload);
    assertEquals(1, websockets(), "still one connection");
    browser.driver.switchTo().window(second);
    List<String> all = new ArrayList<>(later);
    all.addAll(afterReload);
    awaitShown(all);
    assertEquals(before.getInt("sse", 0) >= server.connections().getInt("sse", 0), true, "no SSE stream of its own");
  }

  private int websockets() {
    return server.connections().getInt("websocket", 0);
  }
}
