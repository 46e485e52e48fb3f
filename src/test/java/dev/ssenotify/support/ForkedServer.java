package dev.ssenotify.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The standalone runner ({@code dev.ssenotify.standalone.Main}) in its own JVM on a free
 * port, on the test JVM's classpath, with the test users. {@link #kill()} is {@code kill -9}.
 */
public final class ForkedServer implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on http://localhost:(\\d+)/");

    private final Process process;
    private final int port;
    private final StringBuilder shared;
    private final Thread reader;

    private ForkedServer(Process process, int port, StringBuilder output, Thread reader) {
        this.process = process;
        this.port = port;
        this.shared = output;
        this.reader = reader;
    }

    /** Starts the runner with these environment variables (PORT=0 and the test users unless given). */
    public static ForkedServer start(Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.ssenotify.standalone.Main");
        pb.environment().put("PORT", "0");
        pb.environment().put("SSE_NOTIFY_USERS_FILE", testUsers());
        pb.environment().putAll(env);
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
            } catch (IOException ignored) {
                // the process ended
            }
        }, "forked-server-log");
        reader.setDaemon(true);
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline && p.isAlive() || !lines.isEmpty()) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            Matcher m = line == null ? null : LISTENING.matcher(line);
            if (m != null && m.find()) {
                return new ForkedServer(p, Integer.parseInt(m.group(1)), all, reader);
            }
        }
        String threads = p.isAlive() ? threadDump(p) : "(it exited with status " + p.exitValue() + ")";
        p.destroyForcibly();
        synchronized (all) {
            throw new IllegalStateException("the forked server did not report its port:\n" + all + "\n" + threads);
        }
    }

    /** Where a start that hangs is stuck: the JDK's jstack of it, or why there is none. */
    private static String threadDump(Process p) {
        try {
            Process jstack = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "jstack").toString(),
                    String.valueOf(p.pid())).redirectErrorStream(true).start();
            String dump = new String(jstack.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jstack.waitFor(30, TimeUnit.SECONDS);
            return "its threads, still starting after 90 s:\n" + dump;
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    private static String testUsers() {
        try {
            return Path.of(ForkedServer.class.getResource("/test-users.properties").toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return port;
    }

    /** Everything the server printed so far. */
    public String output() {
        synchronized (shared) {
            return shared.toString();
        }
    }

    /**
     * SIGTERM, as a service manager stops it, and waits for the exit and its last line of
     * output. (Not {@code Process.destroy()}: that also closes our end of the pipe, and the
     * lines the child writes while it stops would be lost on the way.)
     *
     * @return the exit status
     */
    public int terminate() throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the forked server did not stop within 30 s of SIGTERM:\n" + output());
        }
        reader.join(5_000);
        return process.exitValue();
    }

    /** SIGKILL, as a crash or an OOM kill: no shutdown hook, nothing flushed. Waits until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the forked server survived SIGKILL for 30 s");
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
