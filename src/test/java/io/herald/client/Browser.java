package io.herald.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium from Debian ({@code chromium}, {@code chromium-driver}), driven by Selenium
 * with the driver on this machine (never downloaded). Without them the browser tests are skipped,
 * visibly (JUnit reports them skipped; .ci/run installs both, so CI always runs them).
 */
public final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");

  public final ChromeDriver driver;

  private Browser(ChromeDriver driver) {
    this.driver = driver;
  }

  /** Whether Debian's Chromium and its driver are here. */
  public static boolean installed() {
    return Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
  }

  public static Browser open() {
    return open(new String[0]);
  }

  /** As {@link #open()}, with more Chromium switches. */
  public static Browser open(String... switches) {
    Assumptions.assumeTrue(
        installed(), "Debian's chromium and chromium-driver are not installed: browser tests skipped (apt-get install chromium chromium-driver)");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900");
    options.addArguments(switches);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
    return new Browser(new ChromeDriver(service, options));
  }

  String text(String id) {
    return driver.findElement(By.id(id)).getText();
  }

  /** Waits until {@code condition} holds, or fails with what {@code state} says then. */
  public void await(Supplier<Boolean> condition, Duration within, Supplier<String> state) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + within + ": " + state.get());
      }
      Thread.sleep(50);
    }
  }

  /** Keeps what the browser shows as a test artifact: target/browser/{name}.png. */
  public void screenshot(String name) throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "browser"));
    Files.write(dir.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
  }

  @Override
  public void close() {
    driver.quit();
  }
}
