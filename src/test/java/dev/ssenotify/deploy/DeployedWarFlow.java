package dev.ssenotify.deploy;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BACKEND;
import static dev.ssenotify.support.TestServer.BOB;
import static dev.ssenotify.support.TestServer.PASSWORDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestServer;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The contract, over real HTTP, against target/sse-notify.war deployed into a real container
 * (one subclass per container). The steps share one running container and run in order; the
 * stream that must outlive the 30 s default async timeout is opened first, so its wait
 * overlaps the other steps.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class DeployedWarFlow {

    static final String STREAM = "/api/v1/notifications/stream";
    static final String NOTIFICATIONS = "/api/v1/notifications";
    /** Past the 30 s every container applies to an async request that sets no timeout. */
    static final Duration PAST_DEFAULT_ASYNC_TIMEOUT = Duration.ofSeconds(36);
    static final int HEARTBEAT_SECONDS = 8;
    /** Well inside one heartbeat: a frame must not wait for the next keep-alive to go out. */
    static final Duration PROMPTLY = Duration.ofSeconds(4);
    static final Duration WAIT = Duration.ofSeconds(10);
    static final int RACING_RECONNECTS = 100;

    /**
     * Lines no clean deploy, run and undeploy may log: any warning or error level of JUL,
     * JULI or Jetty, stack traces, and Tomcat's leak reports.
     */
    static final Pattern BAD_LOG_LINE = Pattern.compile(
            "\\b(SEVERE|ERROR|WARN|WARNING|FATAL)\\b|Exception|^\\s+at |[Ll]eak|failed to stop|forcibly");

    /**
     * The one warning the malformed-credentials step may cause: Jetty's own BasicAuthenticator
     * fails on the header before the WAR runs and Jetty logs its 500 (issue 14).
     */
    static final Pattern MALFORMED_BASIC_WARNING = Pattern.compile(
            "WARN :oejs\\.Response:.*writeError: status=500, message=java\\.lang\\.IllegalArgumentException: "
                    + "(Illegal base64 character|Input byte array|Last unit does not have enough)");

    protected DeployedContainer container;
    /**
     * HTTP/1.1, as a backend's client mostly speaks. The JDK client's default (HTTP/2, by h2c
     * Upgrade on a plain port) made Tomcat 11 log a {@code StreamException: Client sent more data
     * than stream window allowed} for a small POST in 1 of 12 runs beside CPU hogs, between the two
     * libraries and below the app; h2c itself is covered by the curl step.
     */
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<SseClient> clients = new ArrayList<>();
    private SseClient longLived;
    private long longLivedOpenedNanos;

    /** The container, configured but not started, with the settings route it demonstrates. */
    protected abstract DeployedContainer newContainer() throws IOException;

    /** What the app must log as {@code Database ready: ...} with that route. */
    protected abstract String expectedDatabase();

    /** Issue 14: whether the container of this class serves h2c (see {@link DeployedContainer#http2c}). */
    protected boolean servesH2c() {
        return false;
    }

    /** Issue 14: whether the container answers malformed BASIC credentials with a 4xx (Jetty 12.1.12: a 500). */
    protected boolean malformedBasicIs4xx() {
        return true;
    }

    /** True: the WAR is undeployed while the container runs; false: the container is stopped. */
    protected abstract boolean endByUndeploy();

    @BeforeAll
    void deploy() throws Exception {
        container = newContainer();
        container.start();
        longLived = stream(BOB, Map.of());
        longLivedOpenedNanos = System.nanoTime();
    }

    @AfterAll
    void tearDown() throws Exception {
        clients.forEach(SseClient::close);
        if (container != null) {
            container.close();
        }
    }

    @Test
    @Order(1)
    void streamOpensWithRetryThenPing() throws Exception {
        SseClient c = open(ALICE, Map.of());
        assertEquals(200, c.status(), c.errorBody());
        assertEquals("text/event-stream;charset=utf-8", c.header("Content-Type").toLowerCase().replace(" ", ""));
        assertEquals("no-cache", c.header("Cache-Control"));
        assertEquals("--ping--", c.next(PROMPTLY).data(), "the first frame is flushed at once");
        assertTrue(c.bodyText().startsWith("retry: 3000\ndata: --ping--\n\n"), c.bodyText());
        c.close();
    }

    @Test
    @Order(2)
    void publishAsBackendReachesEveryStreamOfTheUser() throws Exception {
        SseClient tab1 = stream(ALICE, Map.of());
        SseClient tab2 = stream(ALICE, Map.of());
        HttpResponse<String> created = publish(ALICE, "export-excel", "Your export is ready in " + container.name);
        assertEquals(201, created.statusCode(), created.body());
        JsonNode row = TestServer.json(created.body());

        for (SseClient tab : List.of(tab1, tab2)) {
            SseEvent e = tab.next(PROMPTLY);
            assertEquals(row.get("id").asText(), e.id());
            assertEquals("message", e.event());
            assertEquals(created.body(), e.data());
        }
        tab1.close();
        tab2.close();
    }

    @Test
    @Order(3)
    void reconnectWithLastEventIdReplaysOnlyTheMissedRowsInOrder() throws Exception {
        long seen = rowId(publish(ALICE, "job", "seen"));
        long missed1 = rowId(publish(ALICE, "job", "missed 1"));
        long missed2 = rowId(publish(ALICE, "job", "missed 2"));

        SseClient c = stream(ALICE, Map.of("Last-Event-ID", String.valueOf(seen)));
        List<SseEvent> replayed = c.take(2, WAIT);
        assertEquals(List.of(String.valueOf(missed1), String.valueOf(missed2)),
                replayed.stream().map(SseEvent::id).collect(Collectors.toList()));
        assertEquals(null, c.poll(Duration.ofMillis(500)), "nothing beyond the missed rows");
        c.close();
    }

    /**
     * Each reconnect's publishes race the close of the stream before it, whose last writes
     * then run while the container ends its request. Tomcat recycles a request's objects for
     * the next one; a write still in flight went into the next stream's response and broke
     * it (about one in five reconnects did so before {@code SseConnection} waited for it).
     */
    @Test
    @Order(3)
    void reconnectsRacingThePreviousStreamsCloseEachGetTheirMissedRows() throws Exception {
        List<String> broken = new ArrayList<>();
        for (int i = 0; i < RACING_RECONNECTS; i++) {
            long seen = rowId(publish(ALICE, "job", "seen " + i));
            long missed1 = rowId(publish(ALICE, "job", "missed " + i + ".1"));
            long missed2 = rowId(publish(ALICE, "job", "missed " + i + ".2"));
            SseClient c = stream(ALICE, Map.of("Last-Event-ID", String.valueOf(seen)));
            List<String> ids = c.take(2, PROMPTLY).stream().map(SseEvent::id).toList();
            if (!ids.equals(List.of(String.valueOf(missed1), String.valueOf(missed2)))) {
                broken.add("reconnect " + i + " after " + seen + " got " + ids + ": " + c.bodyText().replace("\n", "\\n"));
            }
            c.close();
        }
        assertEquals(List.of(), broken, RACING_RECONNECTS + " reconnects, each owed two rows");
    }

    @Test
    @Order(4)
    void invalidNotificationAnswers400WithJsonError() throws Exception {
        HttpResponse<String> r = postJson(BACKEND, NOTIFICATIONS,
                "{\"userEmail\":\"not-an-email\",\"type\":\"job\",\"messageBody\":\"x\"}");
        TestServer.assertJsonError(r, 400, "userEmail");
    }

    @Test
    @Order(5)
    void malformedLastEventIdAnswers400WithJsonError() throws Exception {
        SseClient c = open(ALICE, Map.of("Last-Event-ID", "abc"));
        assertEquals(400, c.status());
        assertTrue(TestServer.json(c.errorBody()).get("error").asText().contains("Last-Event-ID"), c.errorBody());
    }

    @Test
    @Order(6)
    void containerRealmAuthenticatesAndRolesGuardStreamAndPublish() throws Exception {
        SseClient anonymous = open(null, Map.of());
        assertEquals(401, anonymous.status());
        assertTrue(anonymous.header("WWW-Authenticate").startsWith("Basic realm=\"sse-notify\""),
                anonymous.header("WWW-Authenticate"));
        HttpResponse<String> asUser = postJson(ALICE, NOTIFICATIONS,
                "{\"userEmail\":\"bob@example.com\",\"type\":\"job\",\"messageBody\":\"x\"}");
        assertEquals(403, asUser.statusCode(), "a user without the publisher role cannot publish");
        assertTrue(TestServer.json(asUser.body()).has("error"), asUser.body());
    }

    @Test
    @Order(7)
    void appUsesTheConfiguredDatabase() throws Exception {
        HttpResponse<String> health = send(HttpRequest.newBuilder(container.uri("/health")).GET());
        assertEquals(200, health.statusCode(), health.body());
        assertEquals("UP", TestServer.json(health.body()).get("database").asText());
        assertTrue(container.log().contains("Database ready: " + expectedDatabase()), container.tail());
        assertTrue(Files.isRegularFile(container.h2File().resolveSibling("notify.mv.db")),
                "the H2 file under target/: " + container.h2File());
    }

    /** Issue 17: the client library and its types to signed-in users, the API document to anyone. */
    @Test
    @Order(7)
    void clientLibraryAndApiDocumentAreServedByTheWar() throws Exception {
        String alice = TestServer.basic(ALICE, PASSWORDS.get(ALICE));
        HttpResponse<String> js = send(HttpRequest.newBuilder(container.uri("/sse-notify.js")).header("Authorization", alice).GET());
        assertEquals(200, js.statusCode(), js.body());
        assertTrue(js.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"), js.headers().toString());
        assertTrue(js.body().contains("export function connect("), "the module itself");
        HttpResponse<String> types = send(HttpRequest.newBuilder(container.uri("/sse-notify.d.ts")).header("Authorization", alice).GET());
        assertEquals(200, types.statusCode(), types.body());
        assertTrue(types.body().contains("export interface ConnectOptions"));
        assertEquals(401, send(HttpRequest.newBuilder(container.uri("/sse-notify.js")).GET()).statusCode());
        HttpResponse<String> api = send(HttpRequest.newBuilder(container.uri("/api/v1/openapi.json")).GET());
        assertEquals(200, api.statusCode(), api.body());
        assertTrue(api.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), api.headers().toString());
        assertEquals("3.1.0", TestServer.json(api.body()).get("openapi").asText());
    }

    @Test
    @Order(8)
    void streamOutlivesTheDefaultAsyncTimeoutWithKeepalives() throws Exception {
        long waited = System.nanoTime() - longLivedOpenedNanos;
        long left = PAST_DEFAULT_ASYNC_TIMEOUT.toNanos() - waited;
        if (left > 0) {
            Thread.sleep(left / 1_000_000);
        }
        assertFalse(longLived.ended(), "the stream ended: " + longLived.bodyText());
        longLived.assertCommentSpacing(3, Duration.ofSeconds(HEARTBEAT_SECONDS), Duration.ofSeconds(2));
        assertTrue(longLived.bodyText().contains("\n\n: keepalive\n\n"), longLived.bodyText());

        long id = rowId(publish(BOB, "job", "still live after " + PAST_DEFAULT_ASYNC_TIMEOUT.toSeconds() + " s"));
        assertEquals(String.valueOf(id), longLived.next(PROMPTLY).id());
    }

    @Test
    @Order(9)
    void endingTheDeploymentCompletesOpenStreamsCleanly() throws Exception {
        SseClient alice = stream(ALICE, Map.of());
        if (endByUndeploy()) {
            container.undeploy();
        } else {
            container.stop();
        }
        // Tomcat checks webapps/ every 10 s and then waits up to 2 s for async requests.
        await().atMost(Duration.ofSeconds(40)).until(() -> alice.ended() && longLived.ended());
        assertTrue(alice.endedCleanly(), "alice's response ended with its last chunk: " + alice.bodyText());
        assertTrue(longLived.endedCleanly(), "bob's response ended with its last chunk: " + longLived.bodyText());
        if (endByUndeploy()) {
            // The streams end first thing in contextDestroyed; the undeploy goes on after that.
            await().atMost(Duration.ofSeconds(20)).until(() -> container.log().contains("sse-notify stopped"));
            HttpResponse<String> gone = send(HttpRequest.newBuilder(container.uri("/health")).GET());
            assertEquals(404, gone.statusCode(), "the context is gone after undeploy");
        }
    }

    @Test
    @Order(10)
    void containerLogHasOurLinesAndNoErrorOrLeakWarning() throws Exception {
        container.stop();
        String log = container.log();
        for (String expected : List.of("sse-notify started", "stream opened user=alice@example.com",
                "reason=SHUTDOWN", "sse-notify stopped")) {
            assertTrue(log.contains(expected), "log lacks '" + expected + "':\n" + container.tail());
        }
        List<String> bad = withoutExpectedWarnings(log).stream().filter(l -> BAD_LOG_LINE.matcher(l).find()).toList();
        assertEquals(List.of(), bad, "warnings or errors in the " + container.name + " log");
    }

    /** The log without {@link #MALFORMED_BASIC_WARNING} entries and the stack trace lines under them. */
    private static List<String> withoutExpectedWarnings(String log) {
        List<String> kept = new ArrayList<>();
        boolean inExpected = false;
        for (String line : log.lines().toList()) {
            if (MALFORMED_BASIC_WARNING.matcher(line).find()) {
                inExpected = true;
            } else if (inExpected && !line.isEmpty() && !Character.isDigit(line.charAt(0))) {
                // the exception and its frames, until the next timestamped entry
            } else {
                inExpected = false;
                kept.add(line);
            }
        }
        return kept;
    }

    // --- HTTP helpers -------------------------------------------------------------------

    private SseClient open(String user, Map<String, String> headers) throws IOException {
        SseClient c = SseClient.open(container.port(), DeployedContainer.CONTEXT + STREAM, user,
                user == null ? null : PASSWORDS.get(user), headers);
        clients.add(c);
        return c;
    }

    @Test
    @Order(7)
    void malformedBasicCredentialsNeverShowAStackTrace() throws Exception {
        for (String authorization : List.of("Basic !!!", "Basic YWxpY2U6YWxpY2U=junk!", "Basic anVuaw==")) {
            String r = raw("GET " + DeployedContainer.CONTEXT + NOTIFICATIONS + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: " + authorization + "\r\nConnection: close\r\n\r\n");
            int status = Integer.parseInt(r.substring(9, 12));
            System.out.printf("%s: '%s' answered %d%n", container.name, authorization, status);
            // A stack trace: frames ("at org.example.Foo.bar(Foo.java:12)"), in HTML or text.
            assertFalse(Pattern.compile("\\bat [a-zA-Z_$][\\w$./]*\\([\\w$]+\\.java:\\d+\\)").matcher(r).find(),
                    container.name + " showed a stack trace for '" + authorization + "':\n" + r);
            if (malformedBasicIs4xx()) {
                assertTrue(status >= 400 && status < 500, container.name + " answered " + status + " for '" + authorization + "'");
            }
        }
    }

    @Test
    @Order(7)
    void killedH2cClientLeavesTheRegistryWithinASecond() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(servesH2c(), container.name + " is not configured for h2c here");
        int before = healthStreams();
        java.nio.file.Path err = Files.createTempFile("curl", ".err");
        Process curl = new ProcessBuilder("curl", "-sSNv", "--http2-prior-knowledge", "-u", ALICE + ":" + PASSWORDS.get(ALICE),
                container.uri(STREAM).toString()).redirectError(err.toFile()).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(curl.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = out.readLine()) != null && !line.contains("--ping--"); ) {
                // up to the hello frame
            }
            assertTrue(Files.readString(err).contains("< HTTP/2 200"), "curl did not get an HTTP/2 stream:\n" + Files.readString(err));
            assertEquals(before + 1, healthStreams());
            long t0 = System.nanoTime();
            curl.destroyForcibly();
            long deadline = t0 + Duration.ofSeconds(1).toNanos();
            int now = healthStreams();
            while (now != before && System.nanoTime() < deadline) {
                Thread.sleep(20);
                now = healthStreams();
            }
            System.out.printf("%s: killed h2c client left after %d ms%n", container.name, (System.nanoTime() - t0) / 1_000_000);
            assertEquals(before, now, "the killed h2c client's stream must leave /health within 1 s");
        } finally {
            curl.destroyForcibly();
            Files.deleteIfExists(err);
        }
    }

    private int healthStreams() throws IOException, InterruptedException {
        return TestServer.json(send(HttpRequest.newBuilder(container.uri("/health"))).body()).get("streams").asInt();
    }

    private String raw(String request) throws IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", container.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private SseClient stream(String user, Map<String, String> headers) throws IOException, InterruptedException {
        SseClient c = open(user, headers);
        if (c.status() != 200) {
            throw new AssertionError("stream of " + user + " answered " + c.status() + ": " + c.errorBody());
        }
        return c.awaitPing();
    }

    private HttpResponse<String> publish(String user, String type, String body) throws IOException, InterruptedException {
        return postJson(BACKEND, NOTIFICATIONS, "{\"userEmail\":\"" + user + "\",\"type\":\"" + type
                + "\",\"messageBody\":\"" + body + "\"}");
    }

    private static long rowId(HttpResponse<String> created) throws IOException {
        assertEquals(201, created.statusCode(), created.body());
        return TestServer.json(created.body()).get("id").asLong();
    }

    private HttpResponse<String> postJson(String user, String path, String json) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(container.uri(path))
                .header("Authorization", TestServer.basic(user, PASSWORDS.get(user)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
