package io.herald.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.herald.testing.PayaraProcess;
import io.herald.testing.Server;
import io.herald.testing.Timeouts;
import jakarta.json.JsonObject;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The demo at /demo/ as the README's run command starts it (dev mode, embedded broker), used by
 * two people in two tabs: chat with typing, presence with cursors, a job board moved by JMS
 * messages, and the connection controls. Screenshots of both tabs go to target/browser/.
 */
class DemoBrowserIT {
  private static final Duration JOB = Duration.ofSeconds(30);
  private static PayaraProcess herald;
  private Browser alice;
  private Browser bob;
  private Browser browser; // the one the test looks at

  @BeforeAll
  static void start() throws Exception {
    herald = PayaraProcess.start("demo", Map.of(), Map.of("HERALD_DEV_MODE", "true", "HERALD_DEMO_MAX_JOBS", "3"));
  }

  @AfterAll
  static void stop() {
    if (herald != null) {
      herald.close();
    }
  }

  /** Two people, each in a browser of their own (tabs of one browser would take each other's focus). */
  @BeforeEach
  void openTwoUsers() throws Exception {
    alice = open(Browser.open(), "alice");
    bob = open(Browser.open(), "bob");
  }

  @AfterEach
  void screenshots(org.junit.jupiter.api.TestInfo test) throws Exception {
    String name = test.getTestMethod().orElseThrow().getName();
    for (Browser b : new Browser[] {alice, bob}) {
      if (b != null) {
        b.screenshot("demo-" + name + "-" + (b == alice ? "alice" : "bob"));
        b.close();
      }
    }
  }

  private Server server() {
    return herald.server();
  }

  private Browser open(Browser b, String user) throws InterruptedException {
    browser = b;
    b.driver.get(server().uri("demo/?user=" + user).toString());
    awaitBadge("Live");
    assertEquals(user, b.driver.findElement(By.id("me")).getAttribute("data-user"));
    return b;
  }

  private void to(Browser b) {
    browser = b;
  }

  private void awaitBadge(String text) throws InterruptedException {
    browser.await(() -> browser.text("badge").equals(text), Timeouts.EVENT.multipliedBy(2), () -> "badge " + browser.text("badge"));
  }

  private void awaitShows(String css, Duration within) throws InterruptedException {
    browser.await(() -> !browser.driver.findElements(By.cssSelector(css)).isEmpty(), within, () -> "no " + css);
  }

  @Test
  void twoPeopleChatSeeEachOtherTypeAndPointAndWatchAJobMoveFromJms() throws Exception {
    // presence: each sees both
    to(alice);
    awaitShows("#members li.member[data-user=bob][data-status=online]", Timeouts.EVENT);
    to(bob);
    awaitShows("#members li.member[data-user=alice][data-status=online]", Timeouts.EVENT);
    assertEquals("2 here", browser.text("member-count"));

    // typing, then the message
    to(alice);
    browser.driver.findElement(By.id("message-input")).sendKeys("Deploy 4.2 is rolling out");
    to(bob);
    browser.await(() -> browser.text("typing").contains("Alice is typing"), Timeouts.EVENT, () -> "typing: " + browser.text("typing"));
    to(alice);
    browser.driver.findElement(By.id("send")).click();
    to(bob);
    awaitShows("#messages li.message[data-author=alice]", Timeouts.EVENT);
    assertEquals(
        "Deploy 4.2 is rolling out",
        browser.driver.findElement(By.cssSelector("#messages li.message[data-author=alice] .text")).getText());
    browser.await(() -> browser.text("typing").isEmpty(), Timeouts.EVENT, () -> "typing: " + browser.text("typing"));

    // alice points at the room: bob sees her cursor
    to(alice);
    WebElement room = browser.driver.findElement(By.id("room"));
    new Actions(browser.driver).moveToElement(room, 40, 30).pause(Duration.ofMillis(200)).moveToElement(room, 60, 40).perform();
    to(bob);
    awaitShows("#room .cursor[data-user=alice]", Timeouts.EVENT);
    assertTrue(browser.driver.findElements(By.cssSelector("#room .cursor[data-user=bob]")).isEmpty(), "no cursor of one's own");

    // a job started from bob's page moves on both boards, carried by JMS
    browser.driver.findElement(By.id("run-job")).click();
    awaitShows("#jobs .job[data-status=done][data-pct='100']", JOB);
    to(alice);
    awaitShows("#jobs .job[data-status=done][data-pct='100']", JOB);
    String token = server().getRoot("dev/token?sub=checker&subscribe=*").body().trim();
    JsonObject members = server().get("api/channels/chat.ops-room/presence", token).json();
    assertTrue(
        members.getJsonArray("members").getValuesAs(JsonObject.class).stream()
            .anyMatch(m -> m.getString("userId").equals("alice") && m.getString("name", "").equals("Alice")),
        "the name the demo asked /dev/token for is the name presence shows: " + members);
    JsonObject history = server().get("api/channels/jobs.board/history?limit=100", token).json();
    List<JsonObject> events = history.getJsonArray("events").getValuesAs(JsonObject.class);
    assertTrue(events.size() > 5, "progress, step by step: " + events.size());
    for (JsonObject e : events) {
      assertEquals("demo-jobs", e.getString("publisher"), "sent as a JMS producer: " + e);
      assertTrue(e.getString("id").contains(".in"), "taken from the JMS ingress: " + e.getString("id"));
    }
  }

  @Test
  void theControlsForceATransportAndCutTheConnectionAndNothingIsMissed() throws Exception {
    to(alice);
    choose("sse");
    browser.await(() -> "sse".equals(browser.driver.findElement(By.id("transport")).getAttribute("data-transport")), Timeouts.EVENT, () -> "transport " + browser.text("transport"));
    awaitBadge("Live");
    choose("poll");
    awaitBadge("Polling");
    browser.driver.findElement(By.id("cut")).click();
    to(bob);
    browser.driver.findElement(By.id("message-input")).sendKeys("while you were away");
    browser.driver.findElement(By.id("send")).click();
    to(alice);
    awaitBadge("Polling");
    awaitShows("#messages li.message[data-author=bob]", Timeouts.EVENT);
    assertEquals(1, browser.driver.findElements(By.cssSelector("#messages li.message[data-author=bob]")).size(), "once");
    choose("auto");
    browser.await(() -> "websocket".equals(browser.driver.findElement(By.id("transport")).getAttribute("data-transport")), Timeouts.EVENT, () -> "transport " + browser.text("transport"));
  }

  /** Picks a transport in the select, as a person does. */
  private void choose(String value) {
    browser.driver.findElement(By.id("transport-select")).click();
    browser.driver.findElement(By.cssSelector("#transport-select option[value=" + value + "]")).click();
  }

  @Test
  void theDemoApiRefusesWhatItCannotDo() {
    Server s = server();
    assertEquals(400, post(s, "not json").status());
    assertEquals(400, post(s, "{\"title\": \"\"}").status());
    int accepted = 0;
    int refused = 0;
    for (int i = 0; i < 6; i++) {
      Server.Reply reply = post(s, "{\"title\": \"Load test " + i + "\"}");
      if (reply.status() == 202) {
        accepted++;
      } else {
        assertEquals(429, reply.status());
        assertEquals("RATE_LIMIT_EXCEEDED", reply.code());
        refused++;
      }
    }
    assertTrue(accepted <= 3 && refused >= 3, "at most HERALD_DEMO_MAX_JOBS (3) at once: " + accepted + " accepted");
    assertEquals("/dev/token", s.get("demo/config").json().getString("tokenUrl"));
  }

  private static Server.Reply post(Server s, String body) {
    return Server.send(HttpRequest.newBuilder(s.uri("demo/jobs")).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
  }
}
