package dev.ssenotify.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw-socket SSE client: sends a real HTTP/1.1 request, reads the body through {@link HttpBody}, keeps every
 * body byte (for byte-exact assertions) and parses events the way the EventSource spec
 * does (fields id/event/data, comments, dispatch on a blank line). {@link #abort()} closes
 * with a TCP reset, as a killed browser would.
 */
public final class SseClient implements AutoCloseable {

    private final Socket socket;
    private final int status;
    private final Map<String, String> headers;
    private final BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();
    private final List<String> comments = new CopyOnWriteArrayList<>();
    private final List<Long> commentNanos = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final String errorBody;
    private volatile boolean ended;
    private volatile boolean endedCleanly;
    private volatile String lastEventId = "";

    private SseClient(Socket socket, int status, Map<String, String> headers, String errorBody) {
        this.socket = socket;
        this.status = status;
        this.headers = headers;
        this.errorBody = errorBody;
    }

    public static SseClient open(int port, String path, String user, String password) throws IOException {
        return open(port, path, user, password, Map.of());
    }

    public static SseClient open(int port, String path, String user, String password, Map<String, String> extraHeaders)
            throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(0);
        StringBuilder req = new StringBuilder();
        req.append("GET ").append(path).append(" HTTP/1.1\r\n");
        req.append("Host: 127.0.0.1:").append(port).append("\r\n");
        req.append("Accept: text/event-stream\r\n");
        if (user != null) {
            String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            req.append("Authorization: Basic ").append(token).append("\r\n");
        }
        extraHeaders.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        req.append("\r\n");
        OutputStream out = s.getOutputStream();
        out.write(req.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();

        HttpBody in = new HttpBody(s.getInputStream());
        Map<String, String> headers = in.headers();
        if (in.status() != 200) {
            // Only a body that says where it ends: an error answer may keep the connection open.
            boolean delimited = headers.containsKey("content-length") || "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
            String err = delimited ? in.readAllText() : "";
            s.close();
            return new SseClient(s, in.status(), headers, err);
        }
        SseClient client = new SseClient(s, 200, headers, null);
        Thread reader = new Thread(() -> client.readLoop(in), "sse-test-client");
        reader.setDaemon(true);
        reader.start();
        return client;
    }

    private void readLoop(HttpBody in) {
        Parser parser = new Parser();
        byte[] buf = new byte[8192];
        try {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                byte[] data = Arrays.copyOf(buf, n);
                synchronized (body) {
                    body.write(data);
                }
                parser.feed(data);
            }
        } catch (IOException e) {
            // connection reset or closed by us
        } finally {
            endedCleanly = in.endedCleanly();
            ended = true;
        }
    }

    private final class Parser {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final StringBuilder data = new StringBuilder();
        private String event = "";
        private boolean hasData;
        private boolean lastWasCr;

        void feed(byte[] bytes) {
            for (byte b : bytes) {
                if (b == '\n' && lastWasCr) {
                    lastWasCr = false;
                    continue;
                }
                lastWasCr = b == '\r';
                if (b == '\n' || b == '\r') {
                    processLine(line.toString(StandardCharsets.UTF_8));
                    line.reset();
                } else {
                    line.write(b);
                }
            }
        }

        private void processLine(String l) {
            if (l.isEmpty()) {
                if (hasData) {
                    String d = data.toString();
                    if (d.endsWith("\n")) {
                        d = d.substring(0, d.length() - 1);
                    }
                    events.add(new SseEvent(lastEventId, event.isEmpty() ? "message" : event, d));
                }
                data.setLength(0);
                event = "";
                hasData = false;
                return;
            }
            if (l.startsWith(":")) {
                commentNanos.add(System.nanoTime());
                comments.add(l.substring(1).trim());
                return;
            }
            int colon = l.indexOf(':');
            String field = colon < 0 ? l : l.substring(0, colon);
            String value = colon < 0 ? "" : l.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "data" -> {
                    data.append(value).append('\n');
                    hasData = true;
                }
                case "event" -> event = value;
                case "id" -> lastEventId = value;
                default -> { }
            }
        }
    }

    /** The next event, or an AssertionError after {@code timeout}. */
    public SseEvent next(Duration timeout) throws InterruptedException {
        SseEvent e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (e == null) {
            throw new AssertionError("no SSE event within " + timeout + " (ended=" + ended + ")");
        }
        return e;
    }

    /** The next event, or null if none arrives within {@code timeout}. */
    public SseEvent poll(Duration timeout) throws InterruptedException {
        return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits for the {@code --ping--} that opens every stream. */
    public SseClient awaitPing() throws InterruptedException {
        SseEvent e = next(Duration.ofSeconds(10));
        if (!"--ping--".equals(e.data())) {
            throw new AssertionError("first event should be --ping--, was " + e);
        }
        return this;
    }

    /** Collects events until {@code count} arrived or {@code timeout} passed. */
    public List<SseEvent> take(int count, Duration timeout) throws InterruptedException {
        List<SseEvent> got = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (got.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            SseEvent e = events.poll(left, TimeUnit.NANOSECONDS);
            if (e != null) {
                got.add(e);
            }
        }
        return got;
    }

    public int status() {
        return status;
    }

    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public String errorBody() {
        return errorBody;
    }

    public byte[] bodyBytes() {
        synchronized (body) {
            return body.toByteArray();
        }
    }

    public String bodyText() {
        return new String(bodyBytes(), StandardCharsets.UTF_8);
    }

    public List<String> comments() {
        return comments;
    }

    /** When each of {@link #comments()} arrived ({@link System#nanoTime()}), in the same order. */
    public List<Long> commentTimes() {
        return commentNanos;
    }

    /**
     * Fails unless at least {@code count} comments arrived and every gap between two
     * consecutive ones is {@code period} within {@code tolerance}: keep-alives every 50 ms
     * instead of every second fail, and so does a missed beat.
     */
    public void assertCommentSpacing(int count, Duration period, Duration tolerance) {
        List<Long> at = List.copyOf(commentNanos);
        if (at.size() < count) {
            throw new AssertionError("expected at least " + count + " comments, got " + comments);
        }
        for (int i = 1; i < at.size(); i++) {
            long gapMs = (at.get(i) - at.get(i - 1)) / 1_000_000;
            if (Math.abs(gapMs - period.toMillis()) > tolerance.toMillis()) {
                throw new AssertionError("comment " + i + " came " + gapMs + " ms after the one before, expected "
                        + period.toMillis() + " ms +- " + tolerance.toMillis() + "; all gaps: " + gaps(at));
            }
        }
    }

    private static List<Long> gaps(List<Long> at) {
        List<Long> out = new ArrayList<>();
        for (int i = 1; i < at.size(); i++) {
            out.add((at.get(i) - at.get(i - 1)) / 1_000_000);
        }
        return out;
    }

    /**
     * The body so far split into frames (the lines between blank lines, line ends removed),
     * so a test can see which fields one frame carried: {@link SseEvent#id()} is the
     * EventSource's last event id, which a frame without {@code id:} inherits.
     */
    public List<List<String>> frames() {
        List<List<String>> frames = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String line : bodyText().replace("\r\n", "\n").replace('\r', '\n').split("\n", -1)) {
            if (line.isEmpty()) {
                if (!current.isEmpty()) {
                    frames.add(current);
                    current = new ArrayList<>();
                }
            } else {
                current.add(line);
            }
        }
        return frames;
    }

    /** The frames whose {@code event:} field is {@code name}. */
    public List<List<String>> frames(String name) {
        return frames().stream().filter(f -> f.contains("event: " + name) || f.contains("event:" + name)).toList();
    }

    /** Fails if a frame of event {@code name} carries an {@code id:} field (it would move the browser's Last-Event-ID). */
    public void assertNoIdOn(String name) {
        for (List<String> f : frames(name)) {
            for (String line : f) {
                if (line.equals("id") || line.startsWith("id:")) {
                    throw new AssertionError("a '" + name + "' frame carries an id field, it must not: " + f);
                }
            }
        }
    }

    /** True once the server ended the response (or the connection broke). */
    public boolean ended() {
        return ended;
    }

    /**
     * True once the server ended the response properly: the last chunk of a chunked body, or
     * end of stream for a body without length; false while open or after a reset.
     */
    public boolean endedCleanly() {
        return endedCleanly;
    }

    /**
     * Waits until the server ended the response and fails unless it ended it cleanly (the
     * last chunk), not by a reset or a cut connection.
     */
    public SseClient awaitCleanEnd(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ended && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        if (!ended) {
            throw new AssertionError("the stream did not end within " + timeout);
        }
        if (!endedCleanly) {
            throw new AssertionError("the stream ended by a reset or a cut connection, not by its last chunk; body: "
                    + bodyText());
        }
        return this;
    }

    /** Closes with an RST (SO_LINGER 0), like a killed tab or a dropped network. */
    public void abort() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
