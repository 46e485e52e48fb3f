package dev.ssenotify.standalone;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BACKEND;
import static dev.ssenotify.support.TestServer.PASSWORDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.config.Settings;
import dev.ssenotify.support.Browser;
import dev.ssenotify.support.SelfSignedKeystore;
import dev.ssenotify.support.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, in a real browser: why the embedded runner speaks HTTP/2, and why the demo page
 * shares one stream between tabs. One headless Chromium (one profile, so one per-host
 * connection limit) opens 8 tabs of alice, each on a page of the server's origin that runs no
 * feed of its own ({@code /health}), and each opens its own raw {@code EventSource} (no tab
 * sharing, no client library). Over HTTPS with h2 chosen by ALPN all 8 streams share one
 * connection and all receive a row published after they opened. Over HTTP/1.1 Chromium allows
 * 6 connections per host: the 7th and 8th EventSource never open and never receive.
 */
class BrowserHttp2Test {

    private static final int TABS = 8;
    /** Chromium's HTTP/1.1 connections per host (net::ClientSocketPoolManager, normal pool). */
    private static final int HTTP11_PER_HOST = 6;
    private static final Duration WAIT = Duration.ofSeconds(10);
    /**
     * How long a starved tab is watched after the row went out. Its EventSource waits for a
     * socket, not for the server: none frees while the 6 streams live, so any wait shows it.
     */
    private static final Duration STARVED = Duration.ofMillis(1500);
    private static final String STREAM = "/api/v1/notifications/stream";

    /** Opens a raw EventSource on the stream and records what it sees in {@code window.__sse}. */
    private static final String CONNECT = """
            const s = window.__sse = { open: false, hello: false, rows: [], errors: 0 };
            const es = window.__es = new EventSource(arguments[0], { withCredentials: true });
            es.onopen = () => { s.open = true; };
            es.onerror = () => { s.errors++; };
            es.onmessage = (e) => {
              if (e.data === '--ping--') { s.hello = true; } else { s.rows.push(JSON.parse(e.data).id); }
            };
            """;
    private static final String STATE = """
            const s = window.__sse;
            return { open: s.open, hello: s.hello, rows: s.rows.slice(), errors: s.errors,
                     readyState: window.__es.readyState,
                     protocol: performance.getEntriesByType('navigation')[0].nextHopProtocol };
            """;

    @TempDir
    Path dir;
    private TestServer server;
    private Browser browser;

    @AfterEach
    void stop() throws Exception {
        try {
            if (browser != null) {
                browser.close();
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    @Test
    void eightTabsOverH2EachWithItsOwnEventSourceAllReceive() throws Exception {
        SelfSignedKeystore keys = SelfSignedKeystore.create(dir);
        server = TestServer.start(Map.of(Settings.HEARTBEAT_SECONDS, "3600",
                Settings.TLS_KEYSTORE, keys.file().toString(),
                Settings.TLS_PASSWORD, SelfSignedKeystore.PASSWORD));
        browser = Browser.open(ALICE, PASSWORDS.get(ALICE), "--ignore-certificate-errors");
        long t0 = System.nanoTime();
        List<String> tabs = openTabs("https://127.0.0.1:" + server.port());
        System.out.printf("h2: %d tabs loaded in %d ms%n", TABS, (System.nanoTime() - t0) / 1_000_000);
        t0 = System.nanoTime();

        for (int i = 0; i < TABS; i++) {
            connect(tabs.get(i));
            awaitHello(tabs.get(i), "tab " + (i + 1) + " of " + TABS + " over h2");
        }
        server.awaitStreams(TABS, WAIT);
        for (String tab : tabs) {
            assertEquals("h2", state(tab).get("protocol"), "the page must have come over h2: " + state(tab));
        }

        long id = publishOverTls(keys, "h2.tabs", "to every tab");
        for (int i = 0; i < TABS; i++) {
            awaitRow(tabs.get(i), id, "tab " + (i + 1) + " of " + TABS + " over h2");
        }
        System.out.printf("h2: %d streams opened and received in %d ms after the tabs loaded%n", TABS,
                (System.nanoTime() - t0) / 1_000_000);
    }

    @Test
    void overHttp11TheSeventhTabsEventSourceStarves() throws Exception {
        server = TestServer.start(Map.of(Settings.HEARTBEAT_SECONDS, "3600"));
        browser = Browser.open(ALICE, PASSWORDS.get(ALICE));
        // Every page loads before any stream opens: a 7th page load would itself wait for a socket.
        long t0 = System.nanoTime();
        List<String> tabs = openTabs("http://127.0.0.1:" + server.port());
        System.out.printf("HTTP/1.1: %d tabs loaded in %d ms%n", TABS, (System.nanoTime() - t0) / 1_000_000);
        assertEquals("http/1.1", protocol(tabs.get(0)), "Chromium speaks HTTP/1.1 to a plain origin");

        for (int i = 0; i < HTTP11_PER_HOST; i++) {
            connect(tabs.get(i));
            awaitHello(tabs.get(i), "tab " + (i + 1) + " over HTTP/1.1");
        }
        server.awaitStreams(HTTP11_PER_HOST, WAIT);
        List<String> starved = tabs.subList(HTTP11_PER_HOST, TABS);
        for (String tab : starved) {
            connect(tab);
        }

        long id = server.publish(ALICE, "h1.tabs", "to every tab that has a stream");
        for (int i = 0; i < HTTP11_PER_HOST; i++) {
            awaitRow(tabs.get(i), id, "tab " + (i + 1) + " over HTTP/1.1");
        }
        Thread.sleep(STARVED.toMillis());
        for (int i = HTTP11_PER_HOST; i < TABS; i++) {
            Map<String, Object> s = state(tabs.get(i));
            String what = "tab " + (i + 1) + " over HTTP/1.1 must wait for one of Chromium's " + HTTP11_PER_HOST
                    + " sockets: " + s;
            assertEquals(0L, s.get("readyState"), what + " (0 = CONNECTING)");
            assertEquals(false, s.get("open"), what);
            assertEquals(false, s.get("hello"), what);
            assertEquals(List.of(), s.get("rows"), what);
        }
        assertEquals(HTTP11_PER_HOST, server.streams(), "the starved requests must never have reached the server");

        // It waits for a socket and nothing else: closing the first tab frees one for the 7th.
        browser.switchTo(tabs.get(0));
        browser.driver().close();
        awaitHello(tabs.get(HTTP11_PER_HOST), "tab " + (HTTP11_PER_HOST + 1) + " once tab 1 closed");
        assertEquals(0L, state(tabs.get(TABS - 1)).get("readyState"), "tab " + TABS + " still waits");
    }

    /** {@link TestServer#publish} speaks plain HTTP; this server speaks only HTTPS. */
    private long publishOverTls(SelfSignedKeystore keys, String type, String body) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(keys.clientContext()).build();
        String json = "{\"userEmail\":\"" + ALICE + "\",\"type\":\"" + type + "\",\"messageBody\":\"" + body + "\"}";
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + server.port() + "/api/v1/notifications"))
                .header("Authorization", TestServer.basic(BACKEND, PASSWORDS.get(BACKEND)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        return TestServer.json(r.body()).get("id").asLong();
    }

    /** The first tab plus {@code TABS - 1} more, all on {@code /health} of {@code base}. */
    private List<String> openTabs(String base) {
        List<String> tabs = new ArrayList<>();
        tabs.add(browser.open(base + "/health"));
        while (tabs.size() < TABS) {
            tabs.add(browser.newTab(base + "/health"));
        }
        return tabs;
    }

    private void connect(String tab) {
        browser.switchTo(tab);
        browser.driver().executeScript(CONNECT, STREAM);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> state(String tab) {
        browser.switchTo(tab);
        return (Map<String, Object>) browser.driver().executeScript(STATE);
    }

    private String protocol(String tab) {
        browser.switchTo(tab);
        return (String) browser.driver().executeScript("return performance.getEntriesByType('navigation')[0].nextHopProtocol");
    }

    private void awaitHello(String tab, String what) throws InterruptedException {
        await(tab, s -> Boolean.TRUE.equals(s.get("hello")), what + ": the stream's hello frame");
    }

    private void awaitRow(String tab, long id, String what) throws InterruptedException {
        await(tab, s -> ((List<?>) s.get("rows")).contains(id), what + ": row " + id);
    }

    private void await(String tab, java.util.function.Predicate<Map<String, Object>> done, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, Object> s = state(tab);
        while (!done.test(s) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            s = state(tab);
        }
        assertTrue(done.test(s), "waited " + WAIT.toSeconds() + " s for " + what + "; the tab's EventSource: " + s);
    }
}
