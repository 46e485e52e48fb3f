package dev.ssenotify.deploy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A servlet container distribution (unpacked by maven-dependency-plugin under
 * target/containers) run as its own JVM process, with its own base folder under target/it,
 * on a free port, with target/sse-notify.war deployed at {@value #CONTEXT}.
 */
abstract class DeployedContainer implements AutoCloseable {

    static final String CONTEXT = "/sse-notify";
    static final String WAR_NAME = "sse-notify.war";

    protected final String name;
    protected final Path home;
    protected final Path base;
    protected final Map<String, String> env = new LinkedHashMap<>();
    protected int port;
    /** Issue 14: serve h2c next to HTTP/1.1 on the container's connector. */
    protected boolean http2c;
    private Process process;
    private Thread killOnExit;

    DeployedContainer(String name, String homeProperty) throws IOException {
        this.name = name;
        this.home = Path.of(required(homeProperty));
        if (!Files.isDirectory(home)) {
            throw new IllegalStateException(home + " is missing: run `mvn verify`, which unpacks the containers first");
        }
        this.base = Path.of(required("it.work")).resolve(name);
        deleteTree(base);
        Files.createDirectories(base);
    }

    static String required(String property) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set; run the *IT classes through `mvn verify`");
        }
        return v;
    }

    static Path war() {
        Path war = Path.of(required("it.war"));
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException(war + " is missing: `mvn verify` packages it before the integration tests");
        }
        return war;
    }

    /** Serve h2c (prior knowledge and Upgrade) on the plain connector too. */
    DeployedContainer http2c() {
        this.http2c = true;
        return this;
    }

    /** A setting given to the container's JVM as an environment variable. */
    DeployedContainer env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** The H2 database file the tests point the app at (".mv.db" is added by H2). */
    Path h2File() {
        return base.resolve("data").resolve("notify");
    }

    String h2Url() {
        return "jdbc:h2:file:" + h2File();
    }

    /** Writes the container's configuration and copies the WAR in. */
    protected abstract void configure() throws IOException;

    protected abstract List<String> command();

    /** Files to read for the container log, besides the process's own output. */
    protected abstract List<Path> logFiles() throws IOException;

    /** Removes the WAR from the deploy folder; the container's scanner undeploys it. */
    protected abstract void undeploy() throws IOException;

    final void start() throws IOException, InterruptedException {
        port = freePort();
        configure();
        ProcessBuilder pb = new ProcessBuilder(command()).directory(base.toFile())
                .redirectErrorStream(true).redirectOutput(console().toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("SSE_NOTIFY_") || k.equals("JAVA_OPTS")
                || k.startsWith("CATALINA_") || k.startsWith("JETTY_"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().putAll(env);
        pb.environment().putAll(extraProcessEnv());
        process = pb.start();
        Process p = process;
        killOnExit = new Thread(p::destroyForcibly, name + "-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        awaitHealthy(Duration.ofSeconds(120));
    }

    protected Map<String, String> extraProcessEnv() {
        return Map.of();
    }

    Path console() {
        return base.resolve("console.log");
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + CONTEXT + path);
    }

    int port() {
        return port;
    }

    boolean isRunning() {
        return process != null && process.isAlive();
    }

    private void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/health")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name + " did not answer /health within " + timeout + " (last: " + last + "):\n" + tail());
    }

    /** SIGTERM (the container's own shutdown hook stops it gracefully), then waits. */
    void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException(name + " did not stop within 60 s of SIGTERM");
        }
    }

    /** Everything the container logged: its console and its log files. */
    String log() throws IOException {
        StringBuilder all = new StringBuilder();
        List<Path> files = new ArrayList<>();
        files.add(console());
        files.addAll(logFiles());
        for (Path f : files) {
            if (Files.isRegularFile(f)) {
                all.append("==> ").append(f.getFileName()).append('\n')
                        .append(Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        return all.toString();
    }

    String tail() {
        try {
            String s = log();
            return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        try {
            stop();
        } finally {
            if (process != null && process.isAlive()) {
                process.destroyForcibly();
            }
            if (killOnExit != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(killOnExit);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway
                }
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    @Override
    public String toString() {
        return name + " on port " + port;
    }
}
