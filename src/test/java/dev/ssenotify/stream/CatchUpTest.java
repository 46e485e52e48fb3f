package dev.ssenotify.stream;

import static dev.ssenotify.support.TestServer.ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.support.HttpBody;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.ServerTest;
import dev.ssenotify.support.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Backlogs larger than a stream's queue, with the default settings (1 MiB queue, replay limit 1,000). */
class CatchUpTest extends ServerTest {

    private static final String WIDE = "w".repeat(40 * 1024);

    /**
     * 150 rows of 40 KiB (6 MB, six queues' worth) missed: the reconnect gets its first frame
     * at once, then every missed row in id order, then live rows.
     */
    @Test
    void aBacklogMuchLargerThanTheQueueIsPagedAfterAnImmediatePing() throws Exception {
        long seen = server.publish(ALICE, "t", "seen");
        List<String> missed = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            missed.add(String.valueOf(server.publish(ALICE, "bulk", WIDE)));
        }
        long opened = System.nanoTime();
        try (SseClient c = SseClient.open(server.port(), "/api/v1/notifications/stream", ALICE, "alice",
                Map.of("Last-Event-ID", String.valueOf(seen)))) {
            assertEquals(200, c.status(), c.errorBody());
            SseEvent ping = c.next(Duration.ofSeconds(1));
            long pingMs = (System.nanoTime() - opened) / 1_000_000;
            assertEquals("--ping--", ping.data());
            assertTrue(pingMs < 1_000, "--ping-- after " + pingMs + " ms");

            List<SseEvent> got = c.take(150, Duration.ofSeconds(30));
            assertEquals(missed, got.stream().map(SseEvent::id).toList(), "every missed row once, in id order");
            assertTrue(got.stream().allMatch(e -> e.event().equals("message") && e.data().contains(WIDE)));

            long live = server.publish(ALICE, "t", "live");
            assertEquals(String.valueOf(live), c.next(Duration.ofSeconds(5)).id());
            assertFalse(c.ended());
            assertEquals(1, server.streams());
        }
    }

    /**
     * A reader draining about 400 KiB/s while 8 MB are published to its user as fast as the
     * server takes them: it falls behind, pages, and is never cut; it gets every row once, in
     * order, and its queue never holds more than the queue plus one page.
     */
    @Test
    void aReaderSlowerThanItsPublishersIsNeverClosedAndGetsEveryRowOnce() throws Exception {
        List<String> published = new CopyOnWriteArrayList<>();
        try (ThrottledReader slow = ThrottledReader.open(server.port(), 400 * 1024)) {
            server.awaitStreams(1, Duration.ofSeconds(5));
            for (int i = 0; i < 200; i++) { // 200 x 40 KiB = 8 MB
                published.add(String.valueOf(server.publish(ALICE, "bulk", WIDE)));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (slow.ids.size() < published.size() && !slow.ended && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertFalse(slow.ended, "the slow reader's stream was closed after " + slow.ids.size() + " rows");
            assertEquals(published, slow.ids, "every row exactly once, in id order");
            assertEquals(1, server.streams());
            SubscriberRegistry registry = server.app().registry();
            long bound = 1_048_576L + registry.pageBytes();
            long peak = registry.peakQueuedBytes();
            assertTrue(peak <= bound, "queue held " + peak + " bytes, over the queue plus one page (" + bound + ")");
            assertTrue(peak > 512 * 1024, "the reader should have fallen behind (peak " + peak + ")");
            assertTrue(registry.pagedRows() > 0, "the slow reader paged from the table");
        }
    }

    /**
     * A raw HTTP/1.1 stream that reads at most {@code bytesPerSecond} through a small socket
     * receive buffer, de-chunks, and records the {@code id:} of every row frame.
     */
    private static final class ThrottledReader implements AutoCloseable {
        final Socket socket = new Socket();
        final List<String> ids = new CopyOnWriteArrayList<>();
        volatile boolean ended;
        private final Thread thread;

        private ThrottledReader(int port, int bytesPerSecond) throws IOException {
            socket.setReceiveBufferSize(16 * 1024);
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/v1/notifications/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                    + TestServer.basic(ALICE, "alice") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new Throttled(socket.getInputStream(), bytesPerSecond);
            thread = new Thread(() -> read(in), "throttled-reader");
            thread.setDaemon(true);
            thread.start();
        }

        static ThrottledReader open(int port, int bytesPerSecond) throws IOException {
            return new ThrottledReader(port, bytesPerSecond);
        }

        private void read(InputStream in) {
            try {
                HttpBody body = new HttpBody(in);
                if (!body.statusLine().contains(" 200 ")) {
                    throw new IOException("stream answered " + body.statusLine());
                }
                ByteArrayOutputStream frameLine = new ByteArrayOutputStream();
                for (int b = body.read(); b >= 0; b = body.read()) {
                    if (b == '\n') {
                        String l = frameLine.toString(StandardCharsets.UTF_8);
                        if (l.startsWith("id: ")) {
                            ids.add(l.substring(4));
                        }
                        frameLine.reset();
                    } else if (frameLine.size() < 64) {
                        frameLine.write(b); // only the start of a line matters
                    }
                }
            } catch (IOException | RuntimeException e) {
                // closed by the server or by us
            } finally {
                ended = true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Reads in 4 KiB steps, sleeping so that the average stays at the given rate. */
    private static final class Throttled extends InputStream {
        private final InputStream in;
        private final int bytesPerSecond;
        private final byte[] buf = new byte[4096];
        private int pos;
        private int len;
        private long total;
        private final long started = System.nanoTime();

        Throttled(InputStream in, int bytesPerSecond) {
            this.in = in;
            this.bytesPerSecond = bytesPerSecond;
        }

        @Override
        public int read() throws IOException {
            if (pos == len) {
                long dueNanos = started + total * 1_000_000_000L / bytesPerSecond;
                long wait = dueNanos - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException("interrupted");
                    }
                }
                len = in.read(buf);
                pos = 0;
                if (len < 0) {
                    len = 0;
                    return -1;
                }
                total += len;
            }
            return buf[pos++] & 0xff;
        }
    }
}
