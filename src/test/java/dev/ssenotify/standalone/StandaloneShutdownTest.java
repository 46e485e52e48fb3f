package dev.ssenotify.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.support.ForkedServer;
import dev.ssenotify.support.SseClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standalone runner ({@code Main}) in its own JVM, stopped with SIGTERM as an operator would. */
class StandaloneShutdownTest {

    @TempDir
    Path dir;

    private static ProcessBuilder runner() {
        return new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName());
    }

    @Test
    void badSettingExitsWithStatusTwoAndNamesIt() throws Exception {
        ProcessBuilder pb = runner();
        pb.environment().put("PORT", "0");
        pb.environment().put("SSE_NOTIFY_HEARTBEAT_SECONDS", "soon");
        pb.environment().put("SSE_NOTIFY_JDBC_URL", "jdbc:h2:file:" + dir.resolve("notify"));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("SSE_NOTIFY_HEARTBEAT_SECONDS"), out);
        assertTrue(Files.notExists(dir.resolve("notify.mv.db")), "nothing should have been created");
    }

    @Test
    void sigtermWritesEveryStreamsCloseLineBeforeExit() throws Exception {
        try (ForkedServer server = ForkedServer.start(Map.of("SSE_NOTIFY_JDBC_URL", "jdbc:h2:file:" + dir.resolve("notify")))) {
            int streams = 20;
            SseClient[] clients = new SseClient[streams];
            for (int i = 0; i < streams; i++) {
                // Half each, under the per-user cap of 16.
                String user = i % 2 == 0 ? "alice" : "bob";
                SseClient c = SseClient.open(server.port(), "/api/v1/notifications/stream", user + "@example.com", user);
                clients[i] = c;
                assertEquals(200, c.status(), () -> c.errorBody() + "\n" + server.output());
                c.awaitPing();
            }
            int exit = server.terminate();
            String out = server.output();
            assertEquals(streams, count(out, "stream closed user="), "exit " + exit + "\n" + out);
            assertTrue(out.contains("sse-notify stopped"), out);
            for (SseClient c : clients) {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!c.endedCleanly() && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                assertTrue(c.endedCleanly(), "a stream was not ended cleanly by the stop");
                c.close();
            }
        }
        assertTrue(Files.exists(dir.resolve("notify.mv.db")));
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
