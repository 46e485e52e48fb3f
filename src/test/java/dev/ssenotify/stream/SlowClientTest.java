package dev.ssenotify.stream;

import static dev.ssenotify.support.TestServer.ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.config.Settings;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.ServerTest;
import dev.ssenotify.support.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlowClientTest extends ServerTest {

    @Override
    protected Map<String, String> settings() {
        return Map.of(Settings.HEARTBEAT_SECONDS, "1");
    }

    /**
     * One of alice's tabs stops reading (a raw socket with a tiny receive window) while 8 MB
     * are published to her: her other tab still gets every frame promptly, and the stuck one
     * overflows its 1 MiB queue, is dropped from the registry and its socket is closed.
     */
    @Test
    void stuckReaderDoesNotDelayAnotherReaderAndIsClosed() throws Exception {
        Socket stuck = new Socket();
        stuck.setReceiveBufferSize(4096);
        stuck.connect(new InetSocketAddress("127.0.0.1", server.port()));
        OutputStream out = stuck.getOutputStream();
        out.write(("GET /api/v1/notifications/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                + TestServer.basic(ALICE, "alice") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();

        try (SseClient reader = server.stream(ALICE)) {
            server.awaitStreams(2, Duration.ofSeconds(5));
            String body = "x".repeat(60_000);
            List<Long> latenciesMs = Collections.synchronizedList(new ArrayList<>());
            int count = 140; // 140 x 60 kB = 8.4 MB
            for (int i = 0; i < count; i++) {
                long sent = System.nanoTime();
                long id = server.publish(ALICE, "bulk", body);
                SseEvent e = reader.next(Duration.ofSeconds(5));
                assertEquals(String.valueOf(id), e.id());
                latenciesMs.add((System.nanoTime() - sent) / 1_000_000);
            }
            long worst = Collections.max(latenciesMs);
            // Publish plus delivery on loopback takes milliseconds; a notifier that blocked on
            // the stuck reader for most of a second per publish would show in nearly every sample.
            List<Long> sorted = latenciesMs.stream().sorted().toList();
            long p99 = sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
            assertTrue(p99 < 500, "p99 of the healthy tab's wait is " + p99 + " ms (median "
                    + sorted.get(sorted.size() / 2) + " ms, worst " + worst + " ms)");
            assertTrue(worst < 2_000, "the healthy tab waited " + worst + " ms for a frame");

            server.awaitStreams(1, Duration.ofSeconds(10));
            assertTrue(socketEndsWithin(stuck, Duration.ofSeconds(20)), "the stuck socket was never closed");
        } finally {
            stuck.close();
        }
    }

    /** Reads (and discards) what the server had buffered until the server ends the connection. */
    private static boolean socketEndsWithin(Socket s, Duration timeout) throws Exception {
        s.setSoTimeout((int) timeout.toMillis());
        InputStream in = s.getInputStream();
        byte[] buf = new byte[65536];
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (in.read(buf) < 0) {
                    return true;
                }
            }
        } catch (SocketException reset) {
            return true;
        }
        return false;
    }
}
