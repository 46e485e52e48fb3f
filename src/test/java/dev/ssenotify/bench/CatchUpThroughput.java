package dev.ssenotify.bench;

import dev.ssenotify.support.HttpBody;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Catch-up throughput to one stream on loopback (BENCHMARKS.md, issue 12): publishes
 * {@code rows} rows of {@code bytes} bytes to one user of a running server (8 publishing threads),
 * then opens that user's stream with {@code Last-Event-ID} just below them and reads as fast as
 * it can until the last id. Prints rows/s, MB/s of frames and the server's heap in use during
 * the catch-up (sampled from {@code /metrics} every 500 ms: the largest sample).
 *
 * <pre>
 * bench/bench.sh server 1      # then:
 * java -cp ... dev.ssenotify.bench.CatchUpThroughput 18080 10000 1024
 * java -cp ... dev.ssenotify.bench.CatchUpThroughput 18080 1000 65536
 * </pre>
 * The server needs {@code SSE_NOTIFY_REPLAY_LIMIT} at least {@code rows} (bench.sh catchup sets it).
 */
public final class CatchUpThroughput {

    private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\"[^}]*} ([0-9.eE+]+)$",
            Pattern.MULTILINE);

    private CatchUpThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int rows = Integer.parseInt(args[1]);
        int bytes = Integer.parseInt(args[2]);
        BenchUsers users = new BenchUsers(1, "bench");
        String user = users.name(0);
        HttpClient http = HttpClient.newHttpClient();
        String publisher = "Basic " + Base64.getEncoder().encodeToString("backend:backend-secret".getBytes(StandardCharsets.UTF_8));

        String body = "x".repeat(bytes);
        String json = "{\"userEmail\":\"" + user + "\",\"type\":\"bench\",\"messageBody\":\"" + body + "\"}";
        HttpRequest publish = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/notifications"))
                .header("Authorization", publisher).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        AtomicLong firstIdSeen = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastIdSeen = new AtomicLong();
        AtomicLong left = new AtomicLong(rows);
        Pattern idField = Pattern.compile("\"id\":(\\d+)");
        List<Thread> publishers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            Thread th = new Thread(() -> {
                try {
                    while (left.getAndDecrement() > 0) {
                        HttpResponse<String> r = http.send(publish, HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 201) {
                            throw new IllegalStateException("publish answered " + r.statusCode() + ": " + r.body());
                        }
                        Matcher m = idField.matcher(r.body());
                        m.find();
                        long id = Long.parseLong(m.group(1));
                        firstIdSeen.accumulateAndGet(id, Math::min);
                        lastIdSeen.accumulateAndGet(id, Math::max);
                    }
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, "publisher-" + t);
            th.start();
            publishers.add(th);
        }
        for (Thread th : publishers) {
            th.join();
        }
        long firstId = firstIdSeen.get();
        long lastId = lastIdSeen.get();
        System.out.printf("published %d rows of %d bytes (ids %d..%d)%n", rows, bytes, firstId, lastId);

        AtomicLong maxHeap = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    long h = heap(http, port);
                    maxHeap.accumulateAndGet(h, Math::max);
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    // the next sample
                }
            }
        }, "heap-sampler");
        long heapBefore = heap(http, port);

        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /api/v1/notifications/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + users.basic(0)
                    + "\r\nLast-Event-ID: " + (firstId - 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            sampler.setDaemon(true);
            sampler.start();
            long started = System.nanoTime();
            long[] result = readUntil(new Bytes(s.getInputStream()), "id: " + lastId + "\n");
            long nanos = System.nanoTime() - started;
            sampler.interrupt();
            double seconds = nanos / 1e9;
            System.out.printf("caught up %d rows (%d frames, %.1f MB on the wire) in %.2f s: %.0f rows/s, %.1f MB/s; "
                            + "first row after %.0f ms; server heap used: %.0f MB before, max %.0f MB during (sampled every 500 ms)%n",
                    rows, result[1], result[0] / 1e6, seconds, rows / seconds, result[0] / 1e6 / seconds,
                    result[2] / 1e6, heapBefore / 1e6, maxHeap.get() / 1e6);
        }
    }

    /** Scans the response body until {@code marker}; returns {body bytes, id lines seen, nanos to the first id line}. */
    private static long[] readUntil(InputStream in, String marker) throws IOException {
        HttpBody body = new HttpBody(in);
        byte[] want = marker.getBytes(StandardCharsets.US_ASCII);
        byte[] idLine = "\nid: ".getBytes(StandardCharsets.US_ASCII);
        long total = 0;
        long ids = 0;
        long firstIdNanos = 0;
        long started = System.nanoTime();
        int matched = 0;
        int idMatched = 0;
        for (int b = body.read(); b >= 0; b = body.read()) {
            total++;
            idMatched = b == idLine[idMatched] ? idMatched + 1 : (b == idLine[0] ? 1 : 0);
            if (idMatched == idLine.length) {
                ids++;
                idMatched = 0;
                if (firstIdNanos == 0) {
                    firstIdNanos = System.nanoTime() - started;
                }
            }
            matched = b == want[matched] ? matched + 1 : (b == want[0] ? 1 : 0);
            if (matched == want.length) {
                return new long[] {total, ids, firstIdNanos};
            }
        }
        throw new IOException("stream ended before " + marker.trim() + " after " + total + " bytes");
    }

    /** An unsynchronized buffered reader: the scan reads byte by byte, the socket in 64 KiB reads. */
    private static final class Bytes extends InputStream {
        private final InputStream in;
        private final byte[] buf = new byte[1 << 16];
        private int pos;
        private int len;

        Bytes(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (pos == len) {
                len = in.read(buf);
                pos = 0;
                if (len <= 0) {
                    len = 0;
                    return -1;
                }
            }
            return buf[pos++] & 0xff;
        }
    }

    private static long heap(HttpClient http, int port) throws IOException, InterruptedException {
        String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = HEAP.matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return (long) sum;
    }
}
