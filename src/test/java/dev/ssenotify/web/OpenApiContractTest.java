package dev.ssenotify.web;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BACKEND;
import static dev.ssenotify.support.TestServer.BOB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.config.Settings;
import dev.ssenotify.support.ExchangeLog;
import dev.ssenotify.support.OpenApiContract;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API document against the running server: every documented 2xx and 4xx is produced
 * here through the shared test client, and each exchange (status, Content-Type, JSON body,
 * and for a 2xx the request's parameters and body) must conform to
 * {@code webapp/api/v1/openapi.json}. A response the document does not describe (a path, a
 * status, a field) fails, and so does a documented status that nothing here produces, unless
 * it is one of the few listed in {@link #NOT_PRODUCED} with the reason.
 */
class OpenApiContractTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String EVIL = "http://evil.example";
    /** Documented, and not produced here: why. */
    private static final Map<String, String> NOT_PRODUCED = Map.ofEntries(
            Map.entry("503", "database down, stream or export caps reached, shutdown: covered by HealthTest, RegistryLifecycleTest, ExportsTest"),
            Map.entry("GET /api/v1/notifications/stream 403", "a stream needs role user; with BASIC only users and the backend exist, and the backend is refused like GET /api/v1/notifications"),
            Map.entry("GET /business/v1/notification/socket-connection 400", "the same servlet as the stream's 400"),
            Map.entry("GET /business/v1/notification/socket-connection 401", "the same constraint as the stream's 401"),
            Map.entry("GET /business/v1/notification/socket-connection 403", "the same constraint as the stream's 403"),
            Map.entry("GET /business/v1/notification/socket-connection 429", "the same cap as the stream's 429"),
            Map.entry("GET /business/v1/notification/export-excel 403", "the same constraint as POST /api/v1/exports 403"),
            Map.entry("GET /business/v1/notification/export-excel 429", "the same cap as POST /api/v1/exports 429"),
            Map.entry("GET /index.html 401", "the same servlet and constraint as GET / 401"),
            Map.entry("GET /index.html 403", "the same servlet and constraint as GET / 403"),
            Map.entry("GET /sse-notify.d.ts 403", "the same constraint as GET /sse-notify.js 403"));

    private final OpenApiContract contract;
    private final List<HttpResponse<?>> exchanges = new CopyOnWriteArrayList<>();
    private final List<OpenApiContract.Verdict> streamVerdicts = new ArrayList<>();
    private TestServer server;
    private final List<TestServer> others = new ArrayList<>();

    OpenApiContractTest() throws Exception {
        contract = OpenApiContract.load();
    }

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(Map.of(Settings.EXPORT_DELAY_MS, "1500", Settings.EXPORT_MAX_RUNNING_PER_USER, "1",
                Settings.MAX_STREAMS_PER_USER, "1", Settings.REPLAY_LIMIT, "2", Settings.HEARTBEAT_SECONDS, "1"));
        server.onExchange(exchanges::add);
    }

    @AfterEach
    void stop() throws Exception {
        for (TestServer s : others) {
            s.close();
        }
        server.close();
    }

    private HttpResponse<String> get(String path, String user) throws Exception {
        return server.get(path, user);
    }

    private HttpResponse<String> post(String path, String user, String json, String... headers) throws Exception {
        HttpRequest.Builder b = server.request(path, user).header("Content-Type", "application/json")
                .POST(json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return server.send(b.build());
    }

    private static String row(String user, String type, String link) {
        return "{\"userEmail\":\"" + user + "\",\"type\":\"" + type + "\",\"messageBody\":\"hello\\nworld\""
                + (link == null ? "" : ",\"link\":\"" + link + "\"") + "}";
    }

    private static void expect(int status, HttpResponse<?> r) {
        assertEquals(status, r.statusCode(), () -> r.request().method() + " " + r.request().uri() + ": " + r.body());
    }

    @Test
    void everyDocumentedStatusIsProducedAndConformsToTheDocument() throws Exception {
        // The client and the document: open, and the library only to signed-in users.
        expect(200, get("/api/v1/openapi.json", null));
        expect(200, get("/health", null));
        expect(200, get("/metrics", null));
        for (String page : List.of("/", "/index.html", "/sse-notify.js", "/sse-notify.d.ts")) {
            expect(200, get(page, ALICE));
        }
        expect(401, get("/", null));
        expect(403, get("/", BACKEND));
        expect(401, get("/sse-notify.js", null));
        expect(403, get("/sse-notify.js", BACKEND));
        expect(401, get("/sse-notify.d.ts", null));

        // Publish.
        HttpResponse<String> first = post("/api/v1/notifications", BACKEND, row(ALICE, "report", null));
        expect(201, first);
        long firstId = TestServer.json(first.body()).get("id").asLong();
        expect(201, post("/api/v1/notifications", BACKEND, row(ALICE, "export-excel", "/api/v1/exports/7/file")));
        expect(201, post("/api/v1/notifications", BACKEND, row(ALICE, "link", "https://example.com/a?b=c")));
        long bobs = TestServer.json(post("/api/v1/notifications", BACKEND, row(BOB, "report", null)).body()).get("id").asLong();
        expect(400, post("/api/v1/notifications", BACKEND, row(ALICE, "bad type!", null)));
        expect(400, post("/api/v1/notifications", BACKEND, "{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"m\",\"extra\":1}"));
        expect(400, post("/api/v1/notifications", BACKEND, "not json"));
        expect(413, post("/api/v1/notifications", BACKEND, "{\"messageBody\":\"" + "x".repeat(600 * 1024) + "\"}"));
        expect(415, server.send(server.request("/api/v1/notifications", BACKEND).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(row(ALICE, "t", null))).build()));
        expect(401, post("/api/v1/notifications", null, row(ALICE, "t", null)));
        expect(403, post("/api/v1/notifications", ALICE, row(ALICE, "t", null)));
        expect(403, post("/api/v1/notifications", BACKEND, row(ALICE, "t", null), "Origin", EVIL));

        // Read.
        expect(200, get("/api/v1/notifications", ALICE));
        HttpResponse<String> page = get("/api/v1/notifications?status=UNREAD&limit=1", ALICE);
        expect(200, page);
        long nextBefore = TestServer.json(page.body()).get("nextBefore").asLong();
        expect(200, get("/api/v1/notifications?before=" + nextBefore + "&limit=200&status=READ", ALICE));
        expect(400, get("/api/v1/notifications?limit=0", ALICE));
        expect(400, get("/api/v1/notifications?status=NEW", ALICE));
        expect(400, get("/api/v1/notifications?before=-1", ALICE));
        expect(401, get("/api/v1/notifications", null));
        expect(403, get("/api/v1/notifications", BACKEND));
        expect(200, get("/api/v1/notifications/unread-count", ALICE));
        expect(401, get("/api/v1/notifications/unread-count", null));
        expect(403, get("/api/v1/notifications/unread-count", BACKEND));
        expect(204, post("/api/v1/notifications/" + firstId + "/read", ALICE, null));
        expect(404, post("/api/v1/notifications/" + bobs + "/read", ALICE, null));
        expect(400, post("/api/v1/notifications/abc/read", ALICE, null));
        expect(401, post("/api/v1/notifications/" + firstId + "/read", null, null));
        expect(403, post("/api/v1/notifications/" + firstId + "/read", BACKEND, null));
        expect(403, post("/api/v1/notifications/" + firstId + "/read", ALICE, null, "Origin", EVIL));
        expect(200, post("/api/v1/notifications/read-all", ALICE, null));
        expect(401, post("/api/v1/notifications/read-all", null, null));
        expect(403, post("/api/v1/notifications/read-all", ALICE, null, "Sec-Fetch-Site", "cross-site"));

        // The stream: frames and named events against their schemas.
        streams(firstId);

        // Exports (one at a time per user here).
        HttpResponse<String> started = post("/api/v1/exports", ALICE, null);
        expect(202, started);
        String job = TestServer.json(started.body()).get("jobId").asText();
        expect(200, get("/api/v1/exports/" + job, ALICE));
        expect(409, get("/api/v1/exports/" + job + "/file", ALICE));
        expect(429, post("/api/v1/exports", ALICE, null));
        expect(400, get("/api/v1/exports/not-a-job", ALICE));
        expect(400, get("/api/v1/exports/not-a-job/file", ALICE));
        expect(404, get("/api/v1/exports/" + job, BOB));
        expect(404, get("/api/v1/exports/" + job + "/file", BOB));
        expect(401, get("/api/v1/exports/" + job, null));
        expect(401, get("/api/v1/exports/" + job + "/file", null));
        expect(403, get("/api/v1/exports/" + job, BACKEND));
        expect(403, get("/api/v1/exports/" + job + "/file", BACKEND));
        expect(401, post("/api/v1/exports", null, null));
        expect(403, post("/api/v1/exports", BACKEND, null));
        expect(403, post("/api/v1/exports", ALICE, null, "Origin", EVIL));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!TestServer.json(get("/api/v1/exports/" + job, ALICE).body()).get("status").asText().equals("DONE")) {
            assertTrue(System.nanoTime() < deadline, "the export did not finish");
            Thread.sleep(100);
        }
        expect(200, server.sendBytes(server.request("/api/v1/exports/" + job + "/file", ALICE).GET().build()));
        expect(202, get("/business/v1/notification/export-excel", ALICE));
        expect(401, get("/business/v1/notification/export-excel", null));

        // /metrics behind a role.
        TestServer guarded = TestServer.start(Map.of(Settings.METRICS_ROLE, "publisher"));
        others.add(guarded);
        guarded.onExchange(exchanges::add);
        expect(200, guarded.get("/metrics", BACKEND));
        expect(401, guarded.get("/metrics", null));
        expect(403, guarded.get("/metrics", ALICE));

        Set<String> seen = verify();
        Set<String> missing = new TreeSet<>(contract.documented());
        missing.removeAll(seen);
        missing.removeIf(k -> k.startsWith("POST /api/v1/notifications/batch ") || k.startsWith("GET /api/v1/notifications/batch "));
        missing.removeIf(k -> NOT_PRODUCED.containsKey(k) || NOT_PRODUCED.containsKey(k.substring(k.lastIndexOf(' ') + 1)));
        assertEquals(Set.of(), missing, "documented but never produced: test them, or list them in NOT_PRODUCED with the reason");
    }

    /** The batch endpoint: its 201, its 400 with the index, its 4xx. */
    @Test
    void theBatchEndpointConformsToTheDocument() throws Exception {
        HttpResponse<String> probe = post("/api/v1/notifications/batch", BACKEND,
                "{\"notifications\":[" + row(ALICE, "a", null) + "," + row(BOB, "b", "/x") + "]}");
        expect(201, probe);
        JsonNode items = TestServer.json(probe.body()).get("items");
        assertEquals(2, items.size());
        HttpResponse<String> bad = post("/api/v1/notifications/batch", BACKEND,
                "{\"notifications\":[" + row(ALICE, "a", null) + "," + row(ALICE, "bad type", null) + "]}");
        expect(400, bad);
        assertEquals(1, TestServer.json(bad.body()).get("index").asInt(), bad.body());
        expect(400, post("/api/v1/notifications/batch", BACKEND, "{\"notifications\":[]}"));
        expect(401, post("/api/v1/notifications/batch", null, "{\"notifications\":[]}"));
        expect(403, post("/api/v1/notifications/batch", ALICE, "{\"notifications\":[" + row(ALICE, "a", null) + "]}"));
        expect(415, server.send(server.request("/api/v1/notifications/batch", BACKEND).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build()));
        verify();
    }

    /**
     * With {@code -Dsse-notify.exchanges=FILE} (see {@link ExchangeLog}) after a run of the suite:
     * every exchange the other tests made on a documented path conforms.
     */
    @Test
    void exchangesRecordedByTheWholeSuiteConform() throws Exception {
        String file = System.getProperty(ExchangeLog.PROPERTY, "");
        Assumptions.assumeTrue(!file.isEmpty() && Files.exists(Path.of(file)), "no recorded exchanges (-D" + ExchangeLog.PROPERTY + ")");
        List<String> problems = new ArrayList<>();
        Set<String> undocumentedPaths = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of(file))) {
            JsonNode x = TestServer.json(line);
            String body = x.path("body").asText();
            if (body.startsWith("(") && body.endsWith(" bytes)")) {
                continue;                // a binary body (the export file) was not kept
            }
            OpenApiContract.Verdict v = contract.check(x.get("method").asText(), URI.create(x.get("uri").asText()),
                    x.get("status").asInt(), Optional.ofNullable(x.get("contentType").textValue()), body,
                    Optional.empty(), "");
            if (v.problems().size() == 1 && v.problems().get(0).contains("is not in the document")) {
                undocumentedPaths.add(v.template());   // probes of unknown paths (404 tests) are not the API
            } else {
                problems.addAll(v.problems().stream().filter(p -> !p.contains("request body")).toList());
            }
        }
        System.out.println("paths outside the document that tests probed: " + undocumentedPaths);
        assertEquals(List.of(), problems);
    }

    private void streams(long firstId) throws Exception {
        URI streamUri = server.uri("/api/v1/notifications/stream");
        try (SseClient s = SseClient.open(server.port(), "/api/v1/notifications/stream?traceId=contract-1", ALICE, "alice", Map.of())) {
            streamVerdict(s, "/api/v1/notifications/stream");
            s.awaitPing();
            long id = server.publish(ALICE, "report", "live </script> data: x");
            frame(s.next(WAIT), "message", "Notification");
            expect(204, post("/api/v1/notifications/" + id + "/read", ALICE, null));
            frame(s.next(WAIT), "read", "ReadEvent");
            server.publish(ALICE, "report", "one more unread");
            frame(s.next(WAIT), "message", "Notification");
            expect(200, post("/api/v1/notifications/read-all", ALICE, null));
            frame(s.next(WAIT), "read", "ReadEvent");
            // The per-user cap is 1 here.
            try (SseClient refused = SseClient.open(server.port(), "/api/v1/notifications/stream", ALICE, "alice", Map.of())) {
                streamVerdict(refused, "/api/v1/notifications/stream");
                assertEquals(429, refused.status());
            }
            HttpResponse<String> export = post("/api/v1/exports", ALICE, null);
            expect(202, export);
            SseEvent progress = s.next(WAIT);
            frame(progress, "progress", "ProgressEvent");
            for (SseEvent e = s.next(WAIT); !"message".equals(kind(e)); e = s.next(WAIT)) {
                frame(e, "progress", "ProgressEvent");
            }
        }
        server.awaitStreams(0, WAIT);
        for (int i = 0; i < 3; i++) {
            server.publish(ALICE, "missed", "missed " + i);
        }
        try (SseClient resync = SseClient.open(server.port(), "/business/v1/notification/socket-connection", ALICE, "alice",
                Map.of("Last-Event-ID", Long.toString(firstId)))) {
            streamVerdict(resync, "/business/v1/notification/socket-connection");
            resync.awaitPing();
            frame(resync.next(WAIT), "resync", "ResyncEvent");
        }
        server.awaitStreams(0, WAIT);
        try (SseClient bad = SseClient.open(server.port(), "/api/v1/notifications/stream", ALICE, "alice", Map.of("Last-Event-ID", "x1"))) {
            streamVerdict(bad, "/api/v1/notifications/stream");
            assertEquals(400, bad.status());
        }
        try (SseClient anonymous = SseClient.open(server.port(), "/api/v1/notifications/stream", ALICE, "wrong", Map.of())) {
            streamVerdict(anonymous, "/api/v1/notifications/stream");
            assertEquals(401, anonymous.status());
        }
        assertTrue(streamUri.toString().endsWith("/stream"));
    }

    private static String kind(SseEvent e) {
        return e.event() == null || e.event().isEmpty() ? "message" : e.event();
    }

    private void frame(SseEvent e, String expectedEvent, String schema) {
        assertEquals(expectedEvent, kind(e), e.toString());
        List<String> problems = new ArrayList<>();
        contract.validate(contract.schema(schema), e.data(), "event " + expectedEvent, problems);
        assertEquals(List.of(), problems);
        // Every event the stream sends is one the document names.
        assertTrue(contract.document().path("paths").path("/api/v1/notifications/stream").path("get").path("responses")
                .path("200").path("content").path("text/event-stream").path("x-sse-events").has(expectedEvent));
    }

    private void streamVerdict(SseClient c, String path) {
        String body = c.status() == 200 ? "" : c.errorBody();
        streamVerdicts.add(contract.check("GET", server.uri(path), c.status(), Optional.ofNullable(c.header("Content-Type")),
                body, Optional.empty(), ""));
    }

    /** Checks every exchange so far; returns the (method, template, status) keys seen. */
    private Set<String> verify() {
        List<OpenApiContract.Verdict> verdicts = new ArrayList<>(streamVerdicts);
        for (HttpResponse<?> r : exchanges) {
            verdicts.add(contract.check(r));
        }
        List<String> problems = verdicts.stream().flatMap(v -> v.problems().stream()).collect(Collectors.toList());
        assertEquals(List.of(), problems, "exchanges that the document does not describe");
        Set<String> seen = new LinkedHashSet<>();
        verdicts.forEach(v -> seen.add(v.key()));
        return Collections.unmodifiableSet(seen);
    }
}
