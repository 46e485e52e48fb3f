package dev.ssenotify.web;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BOB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.export.ExportJobs;
import dev.ssenotify.config.Settings;
import dev.ssenotify.support.Browser;
import dev.ssenotify.support.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo page in headless Chromium, signed in as alice: live rows, badge, mark read, the
 * export with its progress and download, several tabs sharing one stream, and the handover
 * when the tab holding the stream closes.
 */
class DemoPageBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Short polls: the running state of a 3 s export must not slip between two looks. */
    private static final Duration POLL = Duration.ofMillis(100);

    private TestServer server;
    private Browser browser;
    private ChromeDriver driver;

    @BeforeEach
    void start() throws Exception {
        // A closed tab's socket is noticed on the next write; a 1 s heartbeat makes that prompt.
        server = TestServer.start(Map.of(Settings.EXPORT_DELAY_MS, "3000", Settings.HEARTBEAT_SECONDS, "1"));
        browser = Browser.open(ALICE, TestServer.PASSWORDS.get(ALICE));
        driver = browser.driver();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            server.close();
        }
    }

    private String page() {
        return server.uri("/").toString();
    }

    private <T> T until(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT, POLL).until(condition);
    }

    /** Opens the page in the first tab plus {@code n - 1} more, each loaded and in step with the stream. */
    private List<String> openTabs(int n) {
        List<String> tabs = new ArrayList<>();
        tabs.add(browser.open(page()));
        awaitConnected();
        for (int i = 1; i < n; i++) {
            tabs.add(browser.newTab(page()));
            awaitConnected();
        }
        return tabs;
    }

    /** The current tab has loaded its list and shows the shared stream as connected. */
    private void awaitConnected() {
        until(d -> !"starting".equals(attr(By.tagName("body"), "data-role"))
                && "connected".equals(attr(By.id("conn"), "data-state")));
    }

    private String attr(By by, String name) {
        return driver.findElement(by).getDomAttribute(name);
    }

    private String badge() {
        return driver.findElement(By.id("badge")).getText();
    }

    private List<WebElement> rows(String type) {
        return driver.findElements(By.cssSelector("#list li[data-type='" + type + "']"));
    }

    private void awaitRow(String handle, long id) {
        browser.switchTo(handle);
        until(d -> !d.findElements(By.cssSelector("#list li[data-id='" + id + "']")).isEmpty());
    }

    private String holder(List<String> tabs) {
        for (String t : tabs) {
            browser.switchTo(t);
            if ("holder".equals(attr(By.tagName("body"), "data-role"))) {
                return t;
            }
        }
        throw new AssertionError("no tab holds the stream");
    }

    private void screenshot(String name) throws Exception {
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        Files.write(target, driver.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void twoTabsFollowAnExportFromClickToDownloadAndMarkRead() throws Exception {
        server.publish(ALICE, "welcome", "Hello Alice — try the export button");
        List<String> tabs = openTabs(2);
        String a = tabs.get(0);
        String b = tabs.get(1);
        browser.switchTo(a);
        assertEquals("1", badge());

        driver.findElement(By.id("export")).click();
        until(d -> "running".equals(attr(By.id("export"), "data-state"))
                && d.findElement(By.id("progress")).isDisplayed());
        screenshot("screenshot-running.png");
        browser.switchTo(b);
        until(d -> "running".equals(attr(By.id("export"), "data-state")));
        assertFalse(driver.findElement(By.id("export")).isEnabled(), "the other tab shows the running export too");

        for (String tab : tabs) {
            browser.switchTo(tab);
            until(d -> rows("export-excel").size() == 1 && "idle".equals(attr(By.id("export"), "data-state")));
            assertEquals("2", badge());
            assertTrue(driver.findElement(By.id("download")).isDisplayed());
        }
        browser.switchTo(a);
        screenshot("screenshot.png");
        String href = driver.findElement(By.id("download")).getDomProperty("href");
        assertTrue(href.matches(".*/api/v1/exports/[0-9a-f]{32}/file"), href);
        @SuppressWarnings("unchecked")
        Map<String, Object> got = (Map<String, Object>) driver.executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                + "fetch(arguments[0]).then(async r => { const b = new Uint8Array(await r.arrayBuffer());"
                + " done({status: r.status, type: r.headers.get('Content-Type'), size: b.length, zip: b[0] === 0x50 && b[1] === 0x4b}); })"
                + ".catch(e => done({status: -1, type: String(e)}));", href);
        assertEquals(200L, got.get("status"), got.toString());
        assertEquals(ExportJobs.CONTENT_TYPE, got.get("type"));
        assertEquals(Boolean.TRUE, got.get("zip"), "an .xlsx is a zip file");

        browser.switchTo(b);
        rows("export-excel").get(0).findElement(By.cssSelector("button.mark")).click();
        for (String tab : tabs) {
            browser.switchTo(tab);
            until(d -> "1".equals(badge()) && "READ".equals(rows("export-excel").get(0).getDomAttribute("data-status")));
        }
        browser.switchTo(a);
        driver.findElement(By.id("read-all")).click();
        for (String tab : tabs) {
            browser.switchTo(tab);
            until(d -> "0".equals(badge()) && rows("welcome").get(0).getDomAttribute("data-status").equals("READ"));
        }
    }

    @Test
    void aNotificationForBobNeverAppearsInAlicesTabs() throws Exception {
        List<String> tabs = openTabs(2);
        server.publish(BOB, "secret", "for bob only");
        long mine = server.publish(ALICE, "report", "for alice");
        for (String tab : tabs) {
            awaitRow(tab, mine);
            assertTrue(rows("secret").isEmpty());
            assertFalse(driver.findElement(By.id("list")).getText().contains("for bob only"));
            assertEquals("1", badge());
        }
    }

    @Test
    void sevenTabsAllShowANewNotificationOverOneStream() throws Exception {
        List<String> tabs = openTabs(7);
        assertEquals(1, server.streams(), "one EventSource for the whole browser");
        long id = server.publish(ALICE, "report", "seen by all seven");
        for (String tab : tabs) {
            awaitRow(tab, id);
            assertEquals("1", badge());
        }
        assertEquals(1, server.streams());
        assertEquals(1, server.app().registry().size(ALICE));
    }

    @Test
    void closingTheHolderTabHandsTheStreamToAnotherWithoutLosingANotification() throws Exception {
        List<String> tabs = new ArrayList<>(openTabs(3));
        long before = server.publish(ALICE, "report", "before the handover");
        for (String tab : tabs) {
            awaitRow(tab, before);
        }
        String holder = holder(tabs);
        browser.switchTo(holder);
        driver.close();
        tabs.remove(holder);
        long during = server.publish(ALICE, "report", "published while the holder closed");
        for (String tab : tabs) {
            awaitRow(tab, during);
            assertEquals("2", badge());
        }
        String next = holder(tabs);
        assertTrue(tabs.contains(next));
        new WebDriverWait(driver, WAIT, POLL).until(d -> server.streams() == 1);
        long after = server.publish(ALICE, "report", "after the handover");
        for (String tab : tabs) {
            awaitRow(tab, after);
            assertEquals(1, rows("report").stream().filter(r -> r.getText().contains("after the handover")).count());
            assertEquals("3", badge());
        }
    }

    @Test
    void indicatorShowsReconnectingWhileTheServerIsGoneAndConnectedWhenItIsBack() throws Exception {
        browser.open(page());
        awaitConnected();
        int port = server.port();
        server.close();
        until(d -> "reconnecting".equals(attr(By.id("conn"), "data-state")));
        assertEquals("reconnecting", driver.findElement(By.id("conn-text")).getText());
        server = TestServer.start(port, Map.of(Settings.HEARTBEAT_SECONDS, "1"));
        until(d -> "connected".equals(attr(By.id("conn"), "data-state")));
        long id = server.publish(ALICE, "report", "after the restart");
        awaitRow(driver.getWindowHandle(), id);
    }

    @Test
    void indicatorShowsOfflineWhenTheBrowserLosesTheNetwork() throws Exception {
        browser.open(page());
        awaitConnected();
        browser.network(false);
        until(d -> "offline".equals(attr(By.id("conn"), "data-state")));
        browser.network(true);
        until(d -> "connected".equals(attr(By.id("conn"), "data-state")));
        long id = server.publish(ALICE, "report", "back online");
        awaitRow(driver.getWindowHandle(), id);
    }

    @Test
    void userTextIsShownAsTextNeverAsMarkup() throws Exception {
        browser.open(page());
        awaitConnected();
        String hostile = "<img src=x onerror=\"document.title='owned'\"></script><b>bold</b>\ndata: x";
        long id = server.publish(ALICE, "report", hostile);
        awaitRow(driver.getWindowHandle(), id);
        WebElement msg = driver.findElement(By.cssSelector("#list li[data-id='" + id + "'] .msg"));
        assertEquals(hostile, msg.getDomProperty("textContent"));
        assertTrue(driver.findElements(By.cssSelector("#list img, #list b")).isEmpty());
        assertFalse(driver.getTitle().contains("owned"));
    }

    @Test
    void pageFitsAPhoneScreen() throws Exception {
        server.publish(ALICE, "export-excel", "Your Excel export is ready (12 notifications)");
        server.publish(ALICE, "report", "A long message that has to wrap on a narrow screen without pushing the page sideways");
        driver.manage().window().setSize(new Dimension(390, 844));
        browser.open(page());
        awaitConnected();
        until(d -> rows("report").size() == 1);
        Long scrollWidth = (Long) driver.executeScript("return document.documentElement.scrollWidth");
        Long clientWidth = (Long) driver.executeScript("return document.documentElement.clientWidth");
        assertTrue(scrollWidth <= clientWidth, "no sideways scrolling: " + scrollWidth + " > " + clientWidth);
        screenshot("screenshot-phone.png");
    }
}
