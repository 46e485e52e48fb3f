package dev.ssenotify.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless system Chromium driven by the system chromedriver, with a fresh profile, signed in
 * as one user: every tab gets an {@code Authorization: Basic} header through the DevTools
 * command {@code Network.setExtraHTTPHeaders}, so the page, its fetches and its EventSource all
 * authenticate. (Credentials in the URL are refused for subresources, and Selenium's
 * {@code HasAuthentication} intercepts responses and waits for whole bodies, which an endless
 * event stream never has.) A missing Chromium fails the test: CI installs it, so a skip would
 * hide a gap.
 */
public final class Browser implements AutoCloseable {

    public static final String CHROMIUM = "/usr/bin/chromium";
    public static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private final ChromeDriver driver;
    private final Path profile;
    private final String authorization;

    private Browser(ChromeDriver driver, Path profile, String authorization) {
        this.driver = driver;
        this.profile = profile;
        this.authorization = authorization;
    }

    public static Browser open(String user, String password) throws IOException {
        return open(user, password, new String[0]);
    }

    /** As {@link #open(String, String)}, with more Chromium switches (e.g. {@code --ignore-certificate-errors}). */
    public static Browser open(String user, String password, String... extraArguments) throws IOException {
        for (String exe : new String[] {CHROMIUM, CHROMEDRIVER}) {
            if (!Files.isExecutable(Path.of(exe))) {
                throw new AssertionError(exe + " is missing: install the Debian packages chromium and "
                        + "chromium-driver (.ci/run does)");
            }
        }
        Path profile = Files.createTempDirectory("sse-notify-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                // Every tab is a background tab to the scheduler in headless mode: keep timers honest.
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows", "--window-size=1000,560");
        options.addArguments(extraArguments);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        Browser b = new Browser(driver, profile, TestServer.basic(user, password));
        try {
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
            b.signIn();
        } catch (RuntimeException e) {
            driver.quit();
            throw e;
        }
        return b;
    }

    /** Sends the credentials from the current tab on; call before its first navigation. */
    private void signIn() {
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", authorization)));
    }

    /** Opens {@code url} in the current (first) tab and returns its window handle. */
    public String open(String url) {
        driver.get(url);
        return driver.getWindowHandle();
    }

    /** Opens {@code url} in a new signed-in tab, which becomes current; returns its handle. */
    public String newTab(String url) {
        driver.switchTo().newWindow(WindowType.TAB);
        signIn();
        driver.get(url);
        return driver.getWindowHandle();
    }

    /** Takes the current tab off the network (the page sees {@code offline}) or back on. */
    public void network(boolean online) {
        driver.executeCdpCommand("Network.emulateNetworkConditions", Map.of("offline", !online, "latency", 0,
                "downloadThroughput", -1, "uploadThroughput", -1));
    }

    public void switchTo(String handle) {
        driver.switchTo().window(handle);
    }

    public List<String> tabs() {
        return List.copyOf(driver.getWindowHandles());
    }

    public ChromeDriver driver() {
        return driver;
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
