package dev.ssenotify.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.support.SseClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        ProcessBuilder pb = runner();
        pb.environment().put("PORT", "0");
        pb.environment().put("SSE_NOTIFY_JDBC_URL", "jdbc:h2:file:" + dir.resolve("notify"));
        pb.redirectErrorStream(true);
        Process p = pb.start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        StringBuilder all = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                    synchronized (all) {
                        all.append(line).append('\n');
                    }
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        try {
            int port = -1;
            Pattern listening = Pattern.compile("listening on http://localhost:(\\d+)/");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (port < 0 && System.nanoTime() < deadline) {
                String line = lines.poll(1, TimeUnit.SECONDS);
                Matcher m = line == null ? null : listening.matcher(line);
                if (m != null && m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertTrue(port > 0, "the runner did not report its port:\n" + all);
            int streams = 20;
            SseClient[] clients = new SseClient[streams];
            for (int i = 0; i < streams; i++) {
                // Half each, under the per-user cap of 16.
                String user = i % 2 == 0 ? "alice" : "bob";
                SseClient c = SseClient.open(port, "/api/v1/notifications/stream", user + "@example.com", user);
                clients[i] = c;
                assertEquals(200, c.status(), () -> c.errorBody() + "\n" + all);
                c.awaitPing();
            }
            // SIGTERM. Not p.destroy(): that also closes our end of the pipe, and the lines
            // the child writes while it stops would be lost on the way.
            assertTrue(p.toHandle().destroy());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the runner did not stop within 30 s");
            reader.join(5_000);
            String out;
            synchronized (all) {
                out = all.toString();
            }
            assertEquals(streams, count(out, "stream closed user="), "exit " + p.exitValue() + "\n" + out);
            assertTrue(out.contains("sse-notify stopped"), out);
            for (SseClient c : clients) {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!c.endedCleanly() && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                assertTrue(c.endedCleanly(), "a stream was not ended cleanly by the stop");
                c.close();
            }
        } finally {
            p.destroyForcibly();
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
