package io.herald.chaos;

import io.herald.client.Browser;
import io.herald.testing.FrontProxy;
import io.herald.testing.Tokens;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.function.LongPredicate;
import java.util.function.ToIntFunction;
import org.openqa.selenium.WindowType;

/**
 * Pages with herald.js in a headless Chromium among the chaos run's clients, as a browser user
 * has them: each follows one channel through a health-checked load balancer ({@link FrontProxy})
 * in front of the instances' fronts, over the transport herald.js picks (or one it is held to),
 * and writes down what the application sees: each event's number, and each {@code onGap} (with
 * the moment of the event before it, to judge the gap by).
 * herald.js reconnects and resumes by itself; the run also makes it drop its connection
 * ({@code reconnect()}, as a network change does) and change transports.
 *
 * <p>Selenium's driver serves one caller at a time: only the run's own thread uses this.
 */
final class BrowserPages implements AutoCloseable {
  private static final String PAGE =
      """
      <!doctype html>
      <meta charset="utf-8">
      <title>chaos page</title>
      <script type="module">
        import { connect } from "../herald.js";
        const q = new URLSearchParams(location.search);
        window.book = [];
        let lastEventAt = 0;
        const herald = connect({
          url: new URL("..", location.href).href,
          getToken: () => q.get("token"),
          transports: q.getAll("transport").length ? q.getAll("transport") : undefined,
          minDelayMs: 100,
          maxDelayMs: 2000,
        });
        window.herald = herald;
        herald.subscribe(q.get("channel"), {
          onEvent: (e) => {
            lastEventAt = Date.now();
            window.book.push(e.data && e.data.seq);
          },
          onGap: () => window.book.push("gap:" + lastEventAt),
        });
      </script>
      """;
  private static final String[] TRANSPORTS = {null, "sse", "poll"};

  /** One page: its tab, its channel, and the transport it was first held to (null: herald.js's choice). */
  private record Page(String tab, String channel, String transport) {}

  private final Browser browser;
  private final FrontProxy balancer;
  private final List<Page> pages = new ArrayList<>();
  private int reconnects;
  private int transportChanges;

  private BrowserPages(Browser browser, FrontProxy balancer) {
    this.browser = browser;
    this.balancer = balancer;
  }

  /** {@code count} pages, the i-th on {@code channels[i % size]}, behind a balancer over {@code fronts}. */
  static BrowserPages open(List<String> channels, int count, int... fronts) throws IOException {
    FrontProxy balancer = FrontProxy.start(fronts);
    balancer.healthChecked(true); // a restarted instance gets pages once it is ready
    balancer.page("/chaos/page.html", PAGE);
    // several tabs, all of them running: no throttling of the ones in the background
    Browser browser;
    try {
      browser = Browser.open("--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows");
    } catch (RuntimeException e) {
      balancer.close();
      throw e;
    }
    BrowserPages pages = new BrowserPages(browser, balancer);
    try {
      pages.load(channels, count);
    } catch (RuntimeException e) {
      pages.close();
      throw e;
    }
    return pages;
  }

  private void load(List<String> channels, int count) {
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        driver().switchTo().newWindow(WindowType.TAB);
      }
      String channel = channels.get(i % channels.size());
      String transport = TRANSPORTS[i % TRANSPORTS.length];
      String url = balancer.server().uri("chaos/page.html?channel=" + channel + "&token=" + Tokens.subscriber("chaos-page-" + i)
          + (transport == null ? "" : "&transport=" + transport)).toString();
      driver().get(url);
      pages.add(new Page(driver().getWindowHandle(), channel, transport));
    }
  }

  private org.openqa.selenium.chrome.ChromeDriver driver() {
    return browser.driver;
  }

  int size() {
    return pages.size();
  }

  /** A page drops its connection, or changes transports: a fault of the page's own kind. */
  String fault(Random random) {
    Page page = pages.get(random.nextInt(pages.size()));
    browser.driver.switchTo().window(page.tab());
    if (random.nextBoolean()) {
      reconnects++;
      browser.driver.executeScript("window.herald.reconnect()");
      return "page_reconnect";
    }
    String transport = TRANSPORTS[random.nextInt(TRANSPORTS.length)];
    transportChanges++;
    browser.driver.executeScript("window.herald.setTransports(arguments[0])", transport == null ? List.of() : List.of(transport));
    return "page_transport";
  }

  /** Whether every page has shown the last event accepted on its channel. */
  boolean haveAll(ToIntFunction<String> lastAccepted) {
    for (Page page : pages) {
      if (highest(book(page)) < lastAccepted.applyAsInt(page.channel())) {
        return false;
      }
    }
    return true;
  }

  /** Each page's books against what was accepted on its channel, and the totals. */
  JsonObject report(ToIntFunction<String> lastAccepted, LongPredicate beyondHistory) {
    long lost = 0;
    long doubled = 0;
    long reordered = 0;
    long gaps = 0;
    long gapsWithinWindow = 0;
    var each = Json.createArrayBuilder();
    for (Page page : pages) {
      Books b = Books.of(book(page), lastAccepted.applyAsInt(page.channel()), beyondHistory);
      lost += b.lost;
      doubled += b.doubled;
      reordered += b.reordered;
      gaps += b.gaps;
      gapsWithinWindow += b.gapsWithinWindow;
      JsonObjectBuilder p = Json.createObjectBuilder()
          .add("channel", page.channel())
          .add("transport", page.transport() == null ? "herald.js's choice" : page.transport())
          .add("events", b.events)
          .add("lost", b.lost)
          .add("doubled", b.doubled)
          .add("reordered", b.reordered)
          .add("gaps", b.gaps)
          .add("gapsWithinWindow", b.gapsWithinWindow);
      each.add(p);
    }
    return Json.createObjectBuilder()
        .add("pages", pages.size())
        .add("reconnects", reconnects)
        .add("transportChanges", transportChanges)
        .add("lost", lost)
        .add("doubled", doubled)
        .add("reordered", reordered)
        .add("gaps", gaps)
        .add("gapsWithinWindow", gapsWithinWindow)
        .add("each", each)
        .build();
  }

  private List<?> book(Page page) {
    browser.driver.switchTo().window(page.tab());
    Object book = browser.driver.executeScript("return window.book || []");
    return book instanceof List<?> list ? list : List.of();
  }

  private static int highest(List<?> book) {
    int h = 0;
    for (Object o : book) {
      if (o instanceof Number n) {
        h = Math.max(h, n.intValue());
      }
    }
    return h;
  }

  @Override
  public void close() {
    browser.close();
    balancer.close();
  }

  /** A page's books, kept as a protocol client keeps them (ChaosClient): a gap excuses what it skips. */
  private static final class Books {
    long events;
    long lost;
    long doubled;
    long reordered;
    long gaps;
    long gapsWithinWindow;

    /** {@code beyondHistory}: whether a gap after an event at that moment is owed to an instance started since. */
    static Books of(List<?> book, int last, LongPredicate beyondHistory) {
      Books b = new Books();
      BitSet received = new BitSet();
      BitSet gapped = new BitSet();
      int base = -1;
      int highest = 0;
      boolean gapPending = false;
      for (Object o : book) {
        if (o instanceof String s && s.startsWith("gap:")) {
          gapPending = true;
          b.gaps++;
          if (!beyondHistory.test(Long.parseLong(s.substring(4)))) {
            b.gapsWithinWindow++;
          }
          continue;
        }
        if (!(o instanceof Number n)) {
          continue;
        }
        int seq = n.intValue();
        b.events++;
        if (base < 0) {
          base = seq; // a first subscription gets what is published from then on
        } else if (gapPending && seq > highest + 1) {
          gapped.set(highest + 1, seq); // told to reload: nothing owed in between
        }
        gapPending = false;
        if (received.get(seq)) {
          b.doubled++;
          continue;
        }
        if (seq < highest) {
          b.reordered++;
        }
        received.set(seq);
        highest = Math.max(highest, seq);
      }
      if (base < 0) {
        b.lost = last;
      } else {
        for (int seq = base; seq <= last; seq++) {
          if (!received.get(seq) && !gapped.get(seq)) {
            b.lost++;
          }
        }
      }
      return b;
    }
  }
}
