package dev.ssenotify.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.support.SseClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/sse-notify} run as an operator would: from another working directory, on the
 * packaged standalone jar (hence an IT: failsafe runs after {@code package}), stopped with
 * SIGTERM.
 */
class LauncherIT {

    @TempDir
    Path cwd;

    private static Path launcher() {
        String p = System.getProperty("it.launcher");
        assertTrue(p != null && !p.isBlank(), "system property it.launcher is not set; run through `mvn verify`");
        return Paths.get(p);
    }

    @Test
    void runsFromAnotherDirectoryWithTunedDefaultsAndStopsOnSigterm() throws Exception {
        try (Launched s = Launched.start(cwd, Map.of())) {
            // exec: the PID we started is the JVM itself, so SIGTERM reaches the server.
            String command = s.process.toHandle().info().command().orElse("");
            assertTrue(command.endsWith("/java"), "the launcher should exec java, process is: " + command);
            List<String> args = s.arguments();
            assertTrue(args.contains("-Xmx512m"), "default heap missing: " + args);
            // The launcher's first line names the JVM it chose: "sse-notify: /path/java (Java 25) ..."
            Matcher chosen = Pattern.compile("\\(Java (\\d+)\\)").matcher(s.output().lines().findFirst().orElse(""));
            assertTrue(chosen.find(), "the launcher did not say which java it chose:\n" + s.output());
            if (Integer.parseInt(chosen.group(1)) >= 25) {
                assertTrue(args.contains("-XX:+UseZGC") && args.contains("-XX:+UseCompactObjectHeaders"), "Java 25 defaults: " + args);
            }
            assertEquals(200, health(s.port).statusCode());
            assertTrue(health(s.port).body().contains("\"status\":\"UP\""));
            SseClient stream = SseClient.open(s.port, "/api/v1/notifications/stream", "alice@example.com", "alice");
            assertEquals(200, stream.status(), stream::errorBody);
            stream.awaitPing();
            // ./data is relative to the working directory, not to the script or the jar.
            assertTrue(Files.exists(cwd.resolve("data").resolve("notify.mv.db")), "no ./data/notify.mv.db under " + cwd);

            assertTrue(s.process.toHandle().destroy());
            assertTrue(s.process.waitFor(30, TimeUnit.SECONDS), "the server did not stop within 30 s of SIGTERM");
            s.reader.join(5_000);
            String out = s.output();
            assertEquals(143, s.process.exitValue(), "exit status after SIGTERM (128 + 15)\n" + out);
            assertTrue(out.contains("stream closed user=alice@example.com"), out);
            assertTrue(out.contains("sse-notify stopped"), out);
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!stream.endedCleanly() && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertTrue(stream.endedCleanly(), "the stream was not ended cleanly by the stop");
            stream.close();
        }
    }

    @Test
    void javaOptsReplaceTheDefaultsAndSseNotifyJavaPicksTheJvm() throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java").toRealPath();
        try (Launched s = Launched.start(cwd, Map.of("SSE_NOTIFY_JAVA_OPTS", "-Xmx200m -Dlauncher.it=yes",
                "SSE_NOTIFY_JAVA", java.toString()))) {
            List<String> args = s.arguments();
            assertTrue(args.contains("-Xmx200m") && args.contains("-Dlauncher.it=yes"), "given options missing: " + args);
            assertFalse(args.contains("-Xmx512m"), "the defaults should be replaced: " + args);
            assertFalse(args.stream().anyMatch(a -> a.startsWith("-XX:")), "the defaults should be replaced: " + args);
            assertEquals(java.toString(), Paths.get(s.process.toHandle().info().command().orElseThrow()).toRealPath().toString());
            assertEquals(200, health(s.port).statusCode());
        }
    }

    private static HttpResponse<String> health(int port) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One launched server; its output collected line by line. */
    private static final class Launched implements AutoCloseable {
        final Process process;
        final Thread reader;
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuilder all = new StringBuilder();
        int port = -1;

        private Launched(Process process) {
            this.process = process;
            this.reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                        synchronized (all) {
                            all.append(line).append('\n');
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            reader.start();
        }

        static Launched start(Path cwd, Map<String, String> env) throws Exception {
            ProcessBuilder pb = new ProcessBuilder(launcher().toString()).directory(cwd.toFile()).redirectErrorStream(true);
            pb.environment().remove("SSE_NOTIFY_JAVA_OPTS");
            pb.environment().remove("SSE_NOTIFY_JDBC_URL");
            pb.environment().put("PORT", "0");
            pb.environment().putAll(env);
            Launched s = new Launched(pb.start());
            Pattern listening = Pattern.compile("listening on http://localhost:(\\d+)/");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (s.port < 0 && System.nanoTime() < deadline && (s.process.isAlive() || !s.lines.isEmpty())) {
                String line = s.lines.poll(1, TimeUnit.SECONDS);
                Matcher m = line == null ? null : listening.matcher(line);
                if (m != null && m.find()) {
                    s.port = Integer.parseInt(m.group(1));
                }
            }
            if (s.port < 0) {
                s.close();
                throw new AssertionError("the launched server did not report its port:\n" + s.output());
            }
            return s;
        }

        List<String> arguments() {
            return Arrays.asList(process.toHandle().info().arguments().orElse(new String[0]));
        }

        String output() {
            synchronized (all) {
                return all.toString();
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}
