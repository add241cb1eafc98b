package io.herald.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.openqa.selenium.By;

/**
 * herald.js in a real browser (headless Chromium): a page that imports it from Herald gets every
 * event of its channel, in order, once, over each transport; and after its WebSocket is cut it
 * resumes with nothing lost or doubled.
 */
@ExtendWith(ArquillianExtension.class)
class ClientBrowserIT {
  /** A page as an application would write one: import the client, subscribe, render. */
  private static final String PAGE =
      """
      <!doctype html>
      <meta charset="utf-8">
      <title>herald.js under test</title>
      <p>state <b id="state">-</b> over <b id="transport">-</b></p>
      <ol id="events"></ol>
      <script type="module">
        import { connect } from "../herald.js";
        const q = new URLSearchParams(location.search);
        const tokens = q.getAll("token"); // a backend would mint each; the test gives them in turn
        let next = 0;
        const herald = connect({
          url: new URL("..", location.href).href,
          getToken: () => tokens[Math.min(next++, tokens.length - 1)],
          transports: q.getAll("transport").length ? q.getAll("transport") : undefined,
          minDelayMs: 100,
        });
        window.herald = herald;
        herald.on("state", (s) => {
          document.getElementById("state").textContent = s;
          document.getElementById("transport").textContent = herald.getStats().transport;
        });
        herald.subscribe(q.get("channel"), {
          onEvent: (e) => {
            const li = document.createElement("li");
            li.textContent = e.id;
            document.getElementById("events").append(li);
          },
        });
      </script>
      """;

  @Deployment(testable = false)
  static WebArchive deployment() {
    return HeraldDeployment.create(Map.of("herald.limits.publish.burst", "100000"))
        .addAsWebResource(new StringAsset(PAGE), "test/client.html");
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
    StringBuilder query = new StringBuilder("channel=" + channel + "&transport=" + transport);
    for (String token : tokens) {
      query.append("&token=").append(token);
    }
    browser.driver.get(server.uri("test/client.html?" + query).toString());
    String expected = transport.equals("poll") ? "polling" : "connected";
    browser.await(() -> browser.text("state").equals(expected), Timeouts.EVENT, () -> "state " + browser.text("state"));
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
}
