package dev.ssenotify.publish;

import static dev.ssenotify.support.TestServer.ALICE;

import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestPostgres;
import dev.ssenotify.support.TestServer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * Cross-node latency: publish on node A (POST, timed from just before the request is sent) to
 * the frame parsed by a raw-socket client of node B, one notification at a time, on one real
 * PostgreSQL. Not a test (it runs for half a minute); run it with {@code java -cp} as the
 * README shows. Argument: the number of notifications measured (default 1000), after 100
 * unmeasured warm-up ones.
 */
public final class CrossNodeLatency {

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        try (TestPostgres pg = TestPostgres.startNew()) {
            String url = pg.url(pg.newDatabase());
            try (TestServer a = TestServer.node(url, Map.of()); TestServer b = TestServer.node(url, Map.of());
                 SseClient onB = b.stream(ALICE)) {
                for (int i = 0; i < 100; i++) {
                    once(a, onB, i);
                }
                long[] endToEnd = new long[count];
                long[] post = new long[count];
                for (int i = 0; i < count; i++) {
                    long[] m = once(a, onB, i);
                    endToEnd[i] = m[0];
                    post[i] = m[1];
                }
                report("publish on A -> frame on B", endToEnd);
                report("POST on A alone (201 received)", post);
            }
        }
        System.exit(0);
    }

    private static void report(String what, long[] micros) {
        Arrays.sort(micros);
        int n = micros.length;
        System.out.printf("%s, %d notifications: median %.2f ms, p99 %.2f ms, max %.2f ms%n", what, n,
                micros[n / 2] / 1000.0, micros[(int) Math.ceil(n * 0.99) - 1] / 1000.0, micros[n - 1] / 1000.0);
    }

    /** Microseconds: publish to frame, and the POST round trip alone. */
    private static long[] once(TestServer a, SseClient onB, int i) throws Exception {
        long started = System.nanoTime();
        long id = a.publish(ALICE, "latency", "n" + i);
        long posted = System.nanoTime();
        SseEvent e = onB.next(Duration.ofSeconds(10));
        long framed = System.nanoTime();
        if (!e.id().equals(String.valueOf(id))) {
            throw new AssertionError("expected id " + id + ", got " + e);
        }
        return new long[] {(framed - started) / 1000, (posted - started) / 1000};
    }
}
