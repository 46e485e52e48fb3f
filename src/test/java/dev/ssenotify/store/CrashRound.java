package dev.ssenotify.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ssenotify.support.ForkedServer;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One crash of issue 11: a forked standalone server on an H2 file, publishers posting to
 * alice and bob, {@code kill -9} while they post, a new server on the same file. Used by
 * {@link CrashDurabilityTest} (once) and {@code bench.CrashLoop} (repeatedly).
 */
public final class CrashRound {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] USERS = {TestServer.ALICE, TestServer.BOB};
    private static final Pattern RESTORED = Pattern.compile("restored (\\d+) answered notification");

    /** What a notification answered 201 was sent as. */
    record Sent(String user, String message) {
    }

    /**
     * @param answered       notifications answered 201 before the crash
     * @param lost           of those, missing after the restart
     * @param changed        of those, present with other content
     * @param maxAnswered    the largest id answered before the crash
     * @param nextId         the id of the first notification published after the restart
     * @param streamed       rows the open stream received before the crash (0 without a stream)
     * @param streamedLost   of those, missing (or changed) after the restart
     * @param reconnectOk    a reconnect with the stream's Last-Event-ID got exactly the rows after it (true without a stream)
     * @param restored       rows the restart took back from the commit journal (H2 had not written them yet)
     * @param detail         what went wrong, for the assertion message
     */
    public record Result(int answered, int lost, int changed, long maxAnswered, long nextId, int streamed,
                         int streamedLost, boolean reconnectOk, long restored, String detail) {
        public boolean durable() {
            return lost == 0 && changed == 0 && nextId > maxAnswered && streamedLost == 0 && reconnectOk;
        }

        @Override
        public String toString() {
            return "answered=" + answered + " lost=" + lost + " changed=" + changed + " maxAnsweredId=" + maxAnswered
                    + " nextId=" + nextId + " streamed=" + streamed + " streamedLost=" + streamedLost
                    + " reconnectOk=" + reconnectOk + " restoredFromJournal=" + restored + (detail.isEmpty() ? "" : " | " + detail);
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param urlOptions appended to the JDBC URL, e.g. {@code ";WRITE_DELAY=500"} to see the loss of issue 11
     */
    public Result run(Path dir, int publishers, Duration publishFor, boolean withStream, String urlOptions)
            throws Exception {
        Map<String, String> env = Map.of("SSE_NOTIFY_JDBC_URL", "jdbc:h2:file:" + dir.resolve("notify") + urlOptions,
                "SSE_NOTIFY_EXPORT_DIR", dir.resolve("exports").toString());
        Map<Long, Sent> answered = new ConcurrentHashMap<>();
        List<SseEvent> streamed = new ArrayList<>();
        StringBuilder detail = new StringBuilder();
        try (ForkedServer before = ForkedServer.start(env)) {
            SseClient stream = withStream
                    ? SseClient.open(before.port(), "/api/v1/notifications/stream", TestServer.ALICE, "alice").awaitPing()
                    : null;
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger unexpected = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < publishers; i++) {
                int p = i;
                Thread t = new Thread(() -> publishUntilGone(before.port(), p, stop, answered, unexpected), "crash-publisher-" + i);
                t.start();
                threads.add(t);
            }
            // A fresh JVM answers its first requests slowly (class loading, JIT): the clock starts
            // once every publisher has been answered a few times.
            long warm = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (answered.size() < publishers * 5L && System.nanoTime() < warm) {
                Thread.sleep(20);
            }
            Thread.sleep(publishFor.toMillis());
            before.kill();
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
            if (unexpected.get() > 0) {
                detail.append(unexpected.get()).append(" publish(es) answered neither 201 nor a broken connection; ");
            }
            if (stream != null) {
                for (SseEvent e; (e = stream.poll(Duration.ofMillis(500))) != null; ) {
                    if ("message".equals(e.event())) {
                        streamed.add(e);
                    }
                }
                stream.close();
            }
        }

        try (ForkedServer after = ForkedServer.start(env)) {
            Map<Long, JsonNode> rows = new TreeMap<>();
            for (String user : USERS) {
                rows.putAll(rowsOf(after.port(), user));
            }
            int lost = 0;
            int changed = 0;
            long maxAnswered = 0;
            for (Map.Entry<Long, Sent> a : answered.entrySet()) {
                maxAnswered = Math.max(maxAnswered, a.getKey());
                JsonNode row = rows.get(a.getKey());
                if (row == null) {
                    lost++;
                } else if (!a.getValue().user().equals(row.get("userEmail").asText())
                        || !a.getValue().message().equals(row.get("messageBody").asText())
                        || !"crash".equals(row.get("type").asText())) {
                    changed++;
                    if (changed <= 3) {
                        detail.append("id ").append(a.getKey()).append(" was answered as ").append(a.getValue())
                                .append(" but is ").append(row).append("; ");
                    }
                }
            }
            if (lost > 0) {
                detail.append(lost).append(" answered id(s) missing, e.g. ")
                        .append(answered.keySet().stream().filter(id -> !rows.containsKey(id)).sorted().limit(5).toList())
                        .append("; ");
            }
            int streamedLost = 0;
            for (SseEvent e : streamed) {
                JsonNode row = rows.get(Long.parseLong(e.id()));
                if (row == null || !row.equals(JSON.readTree(e.data()))) {
                    streamedLost++;
                }
            }
            if (streamedLost > 0) {
                detail.append(streamedLost).append(" streamed row(s) missing or changed after the restart; ");
            }
            long nextId = publish(after.port(), TestServer.ALICE, "after the restart").get("id").asLong();
            boolean reconnectOk = true;
            if (withStream) {
                reconnectOk = reconnectGetsExactlyTheRowsAfterItsCursor(after.port(), streamed, detail);
            }
            Matcher m = RESTORED.matcher(after.output());
            long restored = m.find() ? Long.parseLong(m.group(1)) : 0;
            return new Result(answered.size(), lost, changed, maxAnswered, nextId, streamed.size(), streamedLost,
                    reconnectOk, restored, detail.toString());
        }
    }

    /**
     * Publishes two more rows, then reconnects with the Last-Event-ID of the stream that was
     * open during the crash: it must get exactly alice's rows after that id, in id order (the
     * rows committed before the crash that it had not received yet, then every row published
     * after the restart, none hidden below its cursor by a reused id), then live rows.
     */
    private boolean reconnectGetsExactlyTheRowsAfterItsCursor(int port, List<SseEvent> streamed, StringBuilder detail)
            throws Exception {
        String cursor = streamed.isEmpty() ? "0" : streamed.get(streamed.size() - 1).id();
        List<Long> afterRestart = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            afterRestart.add(publish(port, TestServer.ALICE, "after the restart " + i).get("id").asLong());
        }
        List<JsonNode> expected = new ArrayList<>();
        rowsOf(port, TestServer.ALICE).forEach((id, row) -> {
            if (id > Long.parseLong(cursor)) {
                expected.add(row);
            }
        });
        try (SseClient again = SseClient.open(port, "/api/v1/notifications/stream", TestServer.ALICE, "alice",
                Map.of("Last-Event-ID", cursor)).awaitPing()) {
            List<SseEvent> got = again.take(expected.size(), Duration.ofSeconds(10));
            List<JsonNode> gotRows = new ArrayList<>();
            for (SseEvent e : got) {
                gotRows.add(JSON.readTree(e.data()));
            }
            long live = publish(port, TestServer.ALICE, "live after the reconnect").get("id").asLong();
            SseEvent next = again.poll(Duration.ofSeconds(5));
            boolean ok = gotRows.equals(expected)
                    && expected.stream().map(r -> r.get("id").asLong()).toList().containsAll(afterRestart)
                    && next != null && String.valueOf(live).equals(next.id());
            if (!ok) {
                detail.append("reconnect after ").append(cursor).append(" expected ids ")
                        .append(expected.stream().map(r -> r.get("id").asLong()).toList()).append(" then ").append(live)
                        .append(", got ").append(got.stream().map(SseEvent::id).toList()).append(" then ")
                        .append(next == null ? "nothing" : next.id()).append("; ");
            }
            return ok;
        }
    }

    private void publishUntilGone(int port, int publisher, AtomicBoolean stop, Map<Long, Sent> answered,
                                  AtomicInteger unexpected) {
        String user = USERS[publisher % USERS.length];
        for (int seq = 0; !stop.get(); seq++) {
            String message = "publisher " + publisher + " #" + seq;
            try {
                HttpResponse<String> r = post(port, user, message);
                if (r.statusCode() == 201) {
                    answered.put(JSON.readTree(r.body()).get("id").asLong(), new Sent(user, message));
                } else {
                    unexpected.incrementAndGet();
                }
            } catch (IOException gone) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Publishes three rows to alice, marks the second read (answered 204) and at once kills the
     * server; returns alice's rows as the restarted server lists them.
     */
    public Map<Long, JsonNode> markReadThenCrash(Path dir) throws Exception {
        Map<String, String> env = Map.of("SSE_NOTIFY_JDBC_URL", "jdbc:h2:file:" + dir.resolve("notify"),
                "SSE_NOTIFY_EXPORT_DIR", dir.resolve("exports").toString());
        try (ForkedServer before = ForkedServer.start(env)) {
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(publish(before.port(), TestServer.ALICE, "to be read " + i).get("id").asLong());
            }
            HttpRequest read = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + before.port()
                            + "/api/v1/notifications/" + ids.get(1) + "/read"))
                    .timeout(Duration.ofSeconds(20))
                    .header("Authorization", TestServer.basic(TestServer.ALICE, TestServer.PASSWORDS.get(TestServer.ALICE)))
                    .POST(HttpRequest.BodyPublishers.noBody()).build();
            int status = http.send(read, HttpResponse.BodyHandlers.discarding()).statusCode();
            before.kill();
            if (status != 204) {
                throw new AssertionError("marking " + ids.get(1) + " read answered " + status);
            }
        }
        try (ForkedServer after = ForkedServer.start(env)) {
            return rowsOf(after.port(), TestServer.ALICE);
        }
    }

    private HttpResponse<String> post(int port, String user, String message) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("userEmail", user);
        body.put("type", "crash");
        body.put("messageBody", message);
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/notifications"))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", TestServer.basic(TestServer.BACKEND, TestServer.PASSWORDS.get(TestServer.BACKEND)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private JsonNode publish(int port, String user, String message) throws IOException, InterruptedException {
        HttpResponse<String> r = post(port, user, message);
        if (r.statusCode() != 201) {
            throw new AssertionError("publish after the restart answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** Every row of {@code user}, by id, paged through the REST API as that user. */
    private Map<Long, JsonNode> rowsOf(int port, String user) throws IOException, InterruptedException {
        Map<Long, JsonNode> rows = new TreeMap<>();
        String before = "";
        while (true) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/api/v1/notifications?limit=200" + before))
                    .timeout(Duration.ofSeconds(20))
                    .header("Authorization", TestServer.basic(user, TestServer.PASSWORDS.get(user))).GET().build();
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (r.statusCode() != 200) {
                throw new AssertionError("listing " + user + " answered " + r.statusCode() + ": " + r.body());
            }
            JsonNode page = JSON.readTree(r.body());
            page.get("items").forEach(row -> rows.put(row.get("id").asLong(), row));
            JsonNode next = page.get("nextBefore");
            if (next == null || next.isNull()) {
                return rows;
            }
            before = "&before=" + next.asLong();
        }
    }
}
