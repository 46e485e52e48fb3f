package dev.ssenotify.web;

import static dev.ssenotify.support.TestServer.ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.app.App;
import dev.ssenotify.app.AppListener;
import dev.ssenotify.config.Settings;
import dev.ssenotify.standalone.EmbeddedServer;
import dev.ssenotify.support.Browser;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The client library (webapp/sse-notify.js) itself in headless Chromium, signed in as alice:
 * each tab imports the module into a page of the server that runs no feed of its own
 * ({@code /health}) and records what its feed hands over in {@code window.__log}.
 */
class ClientLibraryBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration POLL = Duration.ofMillis(50);

    /** Imports the library and connects a feed named arguments[0] with options {base, share}. */
    private static final String CONNECT = """
            const [name, base, share, module] = arguments;
            const done = arguments[arguments.length - 1];
            import(module).then((m) => {
              window.__log = window.__log || {};
              const log = window.__log[name] = { rows: [], states: [], resyncs: [], roles: [], reads: [] };
              window.__feeds = window.__feeds || {};
              window.__feeds[name] = m.SseNotify.connect({ base, share,
                onNotification: (r) => log.rows.push(r.id),
                onRead: (d) => log.reads.push(d),
                onResync: (d) => log.resyncs.push(d),
                onStateChange: (s, d) => log.states.push({ s, at: Date.now(), d }),
                onRoleChange: (r) => log.roles.push(r) });
              done(true);
            }).catch((e) => done(String(e)));
            """;

    private TestServer server;
    private Server twoContexts;
    private Browser browser;
    private ChromeDriver driver;

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
            if (twoContexts != null) {
                // EmbeddedServer's stop listener expects one context: end the streams here instead.
                app(twoContexts, "/a").registry().shutdown();
                app(twoContexts, "/b").registry().shutdown();
                for (java.util.EventListener l : List.copyOf(twoContexts.getEventListeners())) {
                    twoContexts.removeEventListener(l);
                }
                twoContexts.stop();
            }
        }
    }

    private void startBrowser() throws Exception {
        browser = Browser.open(ALICE, TestServer.PASSWORDS.get(ALICE));
        driver = browser.driver();
    }

    private <T> T until(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, WAIT, POLL).until(condition);
    }

    /** Connects feed {@code name} in the current tab; {@code base} null = the module's folder. */
    private void connect(String name, String base, boolean share, String moduleUrl) {
        Object ok = driver.executeAsyncScript(CONNECT, name, base, share, moduleUrl);
        assertEquals(Boolean.TRUE, ok, "import/connect failed: " + ok);
    }

    private Object js(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    private String state(String name) {
        return (String) js("return window.__feeds[arguments[0]].state()", name);
    }

    @SuppressWarnings("unchecked")
    private List<Long> rows(String name) {
        return new ArrayList<>((List<Long>) js("return window.__log[arguments[0]].rows", name));
    }

    private void awaitConnected(String name) {
        until(d -> "connected".equals(state(name)));
    }

    @Test
    void closingTheHoldingTabWhilePublishingLosesAndDoublesNothing() throws Exception {
        server = TestServer.start(Map.of(Settings.HEARTBEAT_SECONDS, "1"));
        startBrowser();
        String page = server.uri("/health").toString();
        String module = server.uri("/sse-notify.js").toString();
        List<String> tabs = new ArrayList<>();
        tabs.add(browser.open(page));
        connect("f", null, true, module);
        awaitConnected("f");
        for (int i = 0; i < 2; i++) {
            tabs.add(browser.newTab(page));
            connect("f", null, true, module);
            awaitConnected("f");
        }
        assertEquals(1, server.streams(), "three tabs, one stream");
        String holder = null;
        for (String t : tabs) {
            browser.switchTo(t);
            if ("holder".equals(js("return window.__feeds.f.role()"))) {
                holder = t;
            }
        }
        assertTrue(holder != null, "one tab holds the stream");

        List<Long> published = new CopyOnWriteArrayList<>();
        Thread publisher = new Thread(() -> {
            try {
                for (int i = 0; i < 40; i++) {
                    published.add(server.publish(ALICE, "report", "row " + i));
                    Thread.sleep(40);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        publisher.start();
        while (published.size() < 12) {
            Thread.sleep(10);
        }
        browser.switchTo(holder);
        driver.close();
        tabs.remove(holder);
        publisher.join(30_000);
        assertEquals(40, published.size());
        for (String t : tabs) {
            browser.switchTo(t);
            until(d -> rows("f").size() >= published.size());
            assertEquals(published, rows("f"), "every row once, in order, in tab " + t);
        }
        new WebDriverWait(driver, WAIT, POLL).until(d -> server.streams() == 1);
        long after = server.publish(ALICE, "report", "after the handover");
        for (String t : tabs) {
            browser.switchTo(t);
            until(d -> rows("f").contains(after));
            assertEquals(published.size() + 1, rows("f").size());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void resyncHandsEveryTabTheReloadedList() throws Exception {
        server = TestServer.start(Map.of(Settings.REPLAY_LIMIT, "3", Settings.HEARTBEAT_SECONDS, "1"));
        startBrowser();
        String page = server.uri("/health").toString();
        String module = server.uri("/sse-notify.js").toString();
        browser.open(page);
        connect("first", null, true, module);
        awaitConnected("first");
        long seen = server.publish(ALICE, "report", "seen live");
        until(d -> rows("first").contains(seen));
        js("window.__feeds.first.close()");
        server.awaitStreams(0, WAIT);
        List<Long> missed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            missed.add(server.publish(ALICE, "report", "missed " + i));
        }
        // A reload of the page: the cursor comes back from localStorage, the server finds five
        // missed rows over its limit of three and answers event: resync.
        browser.open(page);
        connect("second", null, true, module);
        until(d -> !((List<Object>) js("return window.__log.second.resyncs")).isEmpty());
        Map<String, Object> resync = ((List<Map<String, Object>>) js("return window.__log.second.resyncs")).get(0);
        assertEquals(missed.get(4), resync.get("lastId"));
        List<Long> listed = new ArrayList<>();
        for (Object row : (List<Object>) resync.get("items")) {
            listed.add((Long) ((Map<String, Object>) row).get("id"));
        }
        for (Long id : missed) {
            assertTrue(listed.contains(id), "the reloaded list holds " + id + ": " + listed);
        }
        assertTrue(listed.contains(seen));
        assertEquals(6L, resync.get("unread"));
        assertTrue(rows("second").isEmpty(), "the missed rows come in the list, not one by one: " + rows("second"));
        awaitConnected("second");
        long live = server.publish(ALICE, "report", "after the resync");
        until(d -> rows("second").contains(live));
        assertEquals(List.of(live), rows("second"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRefusedStreamBacksOffWithGrowingJitteredWaits() throws Exception {
        server = TestServer.start(Map.of(Settings.MAX_STREAMS_PER_USER, "1", Settings.HEARTBEAT_SECONDS, "1"));
        startBrowser();
        try (SseClient other = server.stream(ALICE)) {
            long refusedBefore = refusedStreams();
            browser.open(server.uri("/health").toString());
            connect("f", null, false, server.uri("/sse-notify.js").toString());
            until(d -> refusals().size() >= 5);
            List<Map<String, Object>> refusals = refusals();
            long refusedByServer = refusedStreams() - refusedBefore;
            // The count may be one ahead: an attempt can be on the wire while we read the log.
            assertTrue(refusedByServer >= refusals.size() && refusedByServer <= refusals.size() + 1,
                    "the server refused " + refusedByServer + " streams, the library reports " + refusals.size());
            List<Long> gaps = new ArrayList<>();
            List<Long> waits = new ArrayList<>();
            for (int i = 0; i < refusals.size(); i++) {
                Map<String, Object> d = (Map<String, Object>) refusals.get(i).get("d");
                assertEquals(429L, d.get("status"));
                waits.add((Long) d.get("retryInMs"));
                if (i > 0) {
                    gaps.add((Long) refusals.get(i).get("at") - (Long) refusals.get(i - 1).get("at"));
                }
            }
            // Doubling from 1 s with "equal jitter": wait n lies in [2^n / 2, 2^n] seconds.
            for (int i = 0; i < waits.size(); i++) {
                long ceiling = 1000L << i;
                assertTrue(waits.get(i) >= ceiling / 2 && waits.get(i) <= ceiling, "wait " + i + " " + waits);
                if (i < gaps.size()) {
                    assertTrue(gaps.get(i) >= waits.get(i) - 50, "attempt " + (i + 1) + " came before its wait: " + gaps + " " + waits);
                }
            }
            assertTrue(gaps.get(gaps.size() - 1) > 2 * gaps.get(0), "the spacing grows: " + gaps);
            assertFalse(waits.stream().allMatch(w -> w % 250 == 0), "the waits are jittered: " + waits);
            assertEquals("refused", state("f"));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void twoBasesOnOneOriginNeverShareAStream() throws Exception {
        twoContexts = twoContexts();
        int port = EmbeddedServer.port(twoContexts);
        App a = app(twoContexts, "/a");
        App b = app(twoContexts, "/b");
        // Each deployment has its own database, so ids overlap: push /a/'s ids past /b/'s first.
        for (int i = 0; i < 10; i++) {
            publish(port, "/a", "filler " + i);
        }
        startBrowser();
        String origin = "http://127.0.0.1:" + port;
        // Three tabs of one origin: two on /a/ (they share), one on /b/ (its own stream).
        browser.open(origin + "/a/health");
        connect("f", null, true, origin + "/a/sse-notify.js");
        awaitConnected("f");
        String tabB = browser.newTab(origin + "/b/health");
        connect("f", null, true, origin + "/b/sse-notify.js");
        awaitConnected("f");
        assertEquals(origin + "/b/", js("return window.__feeds.f.base"));
        String tabA2 = browser.newTab(origin + "/a/health");
        connect("f", origin + "/a", true, origin + "/b/sse-notify.js");   // an explicit base wins over the module's folder
        awaitConnected("f");
        assertEquals("follower", js("return window.__feeds.f.role()"));
        new WebDriverWait(driver, WAIT, POLL).until(d -> a.registry().size(ALICE) == 1 && b.registry().size(ALICE) == 1);

        long onA = publish(port, "/a", "for the /a/ deployment");
        long onB = publish(port, "/b", "for the /b/ deployment");
        until(d -> rows("f").contains(onA));
        browser.switchTo(tabB);
        until(d -> rows("f").contains(onB));
        Thread.sleep(300);
        assertEquals(List.of(onB), rows("f"), "the /b/ feed holds /b/'s row only");
        browser.switchTo(tabA2);
        assertEquals(List.of(onA), rows("f"));
        Map<String, Object> keys = (Map<String, Object>) js("return Object.fromEntries(Object.entries(localStorage))");
        assertEquals(Long.toString(onA), keys.get("sse-notify:" + origin + "/a/:lastEventId"), keys.toString());
        assertEquals(Long.toString(onB), keys.get("sse-notify:" + origin + "/b/:lastEventId"), keys.toString());
    }

    // ---- helpers -----------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> refusals() {
        List<Map<String, Object>> all = (List<Map<String, Object>>) js("return window.__log.f.states");
        return all.stream().filter(s -> "refused".equals(s.get("s"))).toList();
    }

    private long refusedStreams() throws Exception {
        long n = 0;
        for (String line : server.get("/metrics", null).body().split("\n")) {
            if (line.startsWith("sse_notify_streams_refused_total")) {
                n += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return n;
    }

    /** One Jetty server, one origin, two deployments of the app at /a and /b, each with its own database. */
    private static Server twoContexts() throws Exception {
        Server first = EmbeddedServer.newServer(0, new HashMap<>(TestServer.defaults()));
        Server second = EmbeddedServer.newServer(0, new HashMap<>(TestServer.defaults()));
        ServletContextHandler ca = (ServletContextHandler) first.getHandler();
        ServletContextHandler cb = (ServletContextHandler) second.getHandler();
        second.setHandler((Handler) null);
        ca.setContextPath("/a");
        cb.setContextPath("/b");
        first.setHandler(new ContextHandlerCollection(ca, cb));
        first.start();
        return first;
    }

    private static App app(Server server, String contextPath) {
        for (Handler h : ((ContextHandlerCollection) server.getHandler()).getHandlers()) {
            ServletContextHandler c = (ServletContextHandler) h;
            if (c.getContextPath().equals(contextPath)) {
                return (App) c.getServletContext().getAttribute(AppListener.APP_ATTRIBUTE);
            }
        }
        throw new AssertionError("no context " + contextPath);
    }

    private static long publish(int port, String context, String message) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        String body = "{\"userEmail\":\"" + ALICE + "\",\"type\":\"report\",\"messageBody\":\"" + message + "\"}";
        HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + context + "/api/v1/notifications"))
                .header("Authorization", TestServer.basic(TestServer.BACKEND, TestServer.PASSWORDS.get(TestServer.BACKEND)))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        return TestServer.json(r.body()).get("id").asLong();
    }
}
