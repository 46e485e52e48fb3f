package dev.ssenotify.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssenotify.app.App;
import dev.ssenotify.standalone.EmbeddedServer;
import dev.ssenotify.config.Settings;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;

/**
 * The real app on embedded Jetty, on a random port, with its own in-memory H2 database and
 * the users of {@code test-users.properties}. Settings are passed as context init-params.
 */
public final class TestServer implements AutoCloseable {

    public static final String ALICE = "alice@example.com";
    public static final String BOB = "bob@example.com";
    public static final String E = "e@example.com";
    public static final String BACKEND = "backend";
    public static final Map<String, String> PASSWORDS = Map.of(
            ALICE, "alice", BOB, "bob", E, "e", BACKEND, "backend-secret");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Server server;
    /** "" at the root, else e.g. "/sse-notify": {@link #uri}, {@link #request} and {@link #stream} paths are below it. */
    private final String contextPath;
    // HTTP/1.1: the JDK client's default (HTTP/2) upgrades each new connection with h2c, and
    // about 1 in 100 of the security layer's 401s then comes back as RST_STREAM(CANCEL) on a
    // cold server (seen on Jetty 12.1.14; the stream and every 2xx are unaffected). HTTP/2 has
    // its own tests (standalone.Http2Test, BrowserHttp2Test); the contract tests speak 1.1.
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** Issue 17: every exchange of send/sendBytes goes to these (the OpenAPI contract test, ExchangeLog). */
    private final List<Consumer<HttpResponse<?>>> exchangeListeners = new CopyOnWriteArrayList<>();

    private TestServer(Server server, String contextPath) {
        this.server = server;
        this.contextPath = contextPath;
        ExchangeLog.fromSystemProperty().ifPresent(exchangeListeners::add);
    }

    /** Hands every later response of {@link #send} and {@link #sendBytes} (with its request) to {@code listener}. */
    public void onExchange(Consumer<HttpResponse<?>> listener) {
        exchangeListeners.add(listener);
    }

    private <T> HttpResponse<T> recorded(HttpResponse<T> r) {
        exchangeListeners.forEach(l -> l.accept(r));
        return r;
    }

    public static TestServer start() throws Exception {
        return start(Map.of());
    }

    public static TestServer start(Map<String, String> settings) throws Exception {
        return start(0, settings);
    }

    /** On a given port (0 = any free one), e.g. to bring a server back where its clients expect it. */
    public static TestServer start(int port, Map<String, String> settings) throws Exception {
        return start(port, "", settings);
    }

    /**
     * At a context path other than the root ({@code "/sse-notify"}), as a WAR is deployed: paths
     * given to this server's calls are relative to it, links the app writes include it.
     */
    public static TestServer startAt(String contextPath, Map<String, String> settings) throws Exception {
        return start(0, contextPath, settings);
    }

    private static TestServer start(int port, String contextPath, Map<String, String> settings) throws Exception {
        Map<String, String> params = new HashMap<>(defaults());
        params.putAll(settings);
        Server server = EmbeddedServer.newServer(port, params);
        if (!contextPath.isEmpty()) {
            ((ServletContextHandler) server.getHandler()).setContextPath(contextPath);
        }
        server.start();
        if (EmbeddedServer.app(server) == null) {
            server.stop();
            throw new IllegalStateException("the app did not start; see the log");
        }
        return new TestServer(server, contextPath);
    }

    /**
     * One node of a cluster: the app on its own port against the given database (several
     * nodes pass the same {@code jdbc:postgresql:} URL), plus {@code settings}.
     */
    public static TestServer node(String jdbcUrl, Map<String, String> settings) throws Exception {
        Map<String, String> params = new HashMap<>(settings);
        params.put(Settings.JDBC_URL, jdbcUrl);
        return start(params);
    }

    /** A fresh in-memory database and the test users. */
    public static Map<String, String> defaults() throws URISyntaxException {
        Path users = Path.of(TestServer.class.getResource("/test-users.properties").toURI());
        return Map.of(
                Settings.JDBC_URL, "jdbc:h2:mem:test-" + UUID.randomUUID(),
                Settings.USERS_FILE, users.toString());
    }

    public int port() {
        return EmbeddedServer.port(server);
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + contextPath + path);
    }

    /** A path as the app writes it in links and {@code Location} (it already holds the context path). */
    public URI absolute(String absolutePath) {
        return URI.create("http://127.0.0.1:" + port() + absolutePath);
    }

    public String contextPath() {
        return contextPath;
    }

    public App app() {
        return EmbeddedServer.app(server);
    }

    /** An open stream of {@code user}, past its {@code --ping--}. */
    public SseClient stream(String user) throws IOException, InterruptedException {
        return stream(user, Map.of());
    }

    public SseClient stream(String user, Map<String, String> headers) throws IOException, InterruptedException {
        SseClient c = SseClient.open(port(), contextPath + "/api/v1/notifications/stream", user, PASSWORDS.get(user), headers);
        if (c.status() != 200) {
            throw new AssertionError("stream of " + user + " answered " + c.status() + ": " + c.errorBody());
        }
        return c.awaitPing();
    }

    public HttpRequest.Builder request(String path, String user) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
        if (user != null) {
            b.header("Authorization", basic(user, PASSWORDS.get(user)));
        }
        return b;
    }

    public HttpResponse<String> get(String path, String user) throws IOException, InterruptedException {
        return send(request(path, user).GET().build());
    }

    public HttpResponse<String> postJson(String path, String user, String json) throws IOException, InterruptedException {
        return send(request(path, user).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build());
    }

    public HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return recorded(http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
    }

    public HttpResponse<byte[]> sendBytes(HttpRequest request) throws IOException, InterruptedException {
        return recorded(http.send(request, HttpResponse.BodyHandlers.ofByteArray()));
    }

    /** Publishes as the backend and returns the new row's id. */
    public long publish(String userEmail, String type, String messageBody) throws IOException, InterruptedException {
        Map<String, Object> body = new HashMap<>();
        body.put("userEmail", userEmail);
        body.put("type", type);
        body.put("messageBody", messageBody);
        HttpResponse<String> r = postJson("/api/v1/notifications", BACKEND, JSON.writeValueAsString(body));
        if (r.statusCode() != 201) {
            throw new AssertionError("publish answered " + r.statusCode() + ": " + r.body());
        }
        return json(r.body()).get("id").asLong();
    }

    public static JsonNode json(String text) throws IOException {
        return JSON.readTree(text);
    }

    /**
     * The ids in a JSON reply: a page's {@code items} ({@code {"items":[{"id":1,...}]}}), an
     * array of rows, or an array of ids ({@code "ids":[1,2]} of a read event).
     */
    public static List<Long> ids(JsonNode node) {
        JsonNode array = node.has("items") ? node.get("items") : node;
        List<Long> ids = new ArrayList<>();
        array.forEach(n -> ids.add(n.isObject() ? n.get("id").asLong() : n.asLong()));
        return ids;
    }

    /** The contract for every rejection: this status, a JSON body, an {@code error} containing {@code fragment}. */
    public static void assertJsonError(HttpResponse<String> r, int status, String fragment) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.headers().toString());
        String error = json(r.body()).get("error").asText();
        assertTrue(error.contains(fragment), error);
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Streams the server holds right now. */
    public int streams() {
        return app().registry().size();
    }

    /** Waits until the server holds exactly {@code expected} streams; fails after {@code timeout}. */
    public void awaitStreams(int expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams() != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (streams() != expected) {
            throw new AssertionError("expected " + expected + " open streams, server holds " + streams());
        }
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
