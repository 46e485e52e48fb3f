package dev.ssenotify.bench;

import dev.ssenotify.support.TestServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;

/**
 * The read API's cost for one user with many rows, the case the dropped
 * (user_email, status, id) index used to serve: publishes N rows for alice (demo users), then
 * times unread-count, the status-filtered lists, read-all, and the same queries after it.
 *
 * <pre>
 * PORT=18090 java -jar target/sse-notify-standalone.jar &amp;
 * java -cp target/test-classes dev.ssenotify.bench.ReadCost 18090 10000
 * </pre>
 */
public final class ReadCost {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String PUBLISHER = TestServer.basic("backend", "backend-secret");
    private static final String ALICE = TestServer.basic("alice@example.com", "alice");

    private final int port;

    private ReadCost(int port) {
        this.port = port;
    }

    public static void main(String[] args) throws Exception {
        ReadCost bench = new ReadCost(Integer.parseInt(args[0]));
        int rows = Integer.parseInt(args[1]);
        for (int i = 0; i < rows; i++) {
            HttpResponse<String> r = bench.send("POST", "/api/v1/notifications", PUBLISHER,
                    "{\"userEmail\":\"alice@example.com\",\"type\":\"bench\",\"messageBody\":\"row " + i + "\"}");
            if (r.statusCode() != 201) {
                throw new IllegalStateException("publish answered " + r.statusCode() + ": " + r.body());
            }
        }
        bench.time("unread-count (" + rows + " rows, all unread)", "/api/v1/notifications/unread-count");
        bench.time("list status=UNREAD limit=50", "/api/v1/notifications?status=UNREAD&limit=50");
        bench.time("list status=READ limit=50 (none read)", "/api/v1/notifications?status=READ&limit=50");
        bench.time("list limit=50", "/api/v1/notifications?limit=50");
        long start = System.nanoTime();
        HttpResponse<String> all = bench.send("POST", "/api/v1/notifications/read-all", ALICE, null);
        System.out.printf("read-all: %.1f ms %s%n", (System.nanoTime() - start) / 1e6, all.body());
        bench.time("unread-count (all read)", "/api/v1/notifications/unread-count");
        bench.time("list status=UNREAD limit=50 (none unread)", "/api/v1/notifications?status=UNREAD&limit=50");
    }

    /** 15 requests as alice; prints the median and the slowest. */
    private void time(String label, String path) throws Exception {
        long[] nanos = new long[15];
        String last = "";
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            HttpResponse<String> r = send("GET", path, ALICE, null);
            nanos[i] = System.nanoTime() - start;
            last = r.statusCode() + " " + r.body().substring(0, Math.min(60, r.body().length()));
        }
        Arrays.sort(nanos);
        System.out.printf("%-42s median %.2f ms  max %.2f ms  (%s)%n", label, nanos[nanos.length / 2] / 1e6,
                nanos[nanos.length - 1] / 1e6, last);
    }

    private HttpResponse<String> send(String method, String path, String auth, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", auth);
        if (json == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

}
