package dev.ssenotify.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void secretsNeverShowInTheSettingsText() {
        String secret = "an-hs256-secret-of-at-least-32-bytes!";
        Settings s = Settings.fromMap(Map.of(
                Settings.JWT_HS256_SECRET, secret,
                Settings.JDBC_URL, "jdbc:postgresql://db/notify?user=app&password=pg-secret"));
        String text = s.toString();
        assertFalse(text.contains(secret), text);
        assertFalse(text.contains("pg-secret"), text);
        assertTrue(text.contains("jwtHs256Secret=***"), text);
        assertTrue(text.contains("password=***"), text);
        assertTrue(text.contains("heartbeat=PT15S"), text);
    }

    @Test
    void defaultsMatchTheDesign() {
        Settings s = Settings.fromMap(Map.of());
        assertEquals(8080, s.port());
        assertEquals("jdbc:h2:file:./data/notify", s.jdbcUrl());
        assertEquals(Duration.ofSeconds(15), s.heartbeat());
        assertEquals(3000, s.retryMs());
        assertEquals(1_048_576, s.queueBytes());
        assertEquals(16, s.maxStreamsPerUser());
        assertEquals(20_000, s.maxStreams());
        assertEquals(1000, s.replayLimit());
        assertEquals(Duration.ofMillis(3000), s.exportDelay());
        assertEquals("roles", s.jwtRolesClaim());
        assertEquals("", s.metricsRole(), "metrics are open by default");
        assertEquals(30, s.retentionReadDays());
        assertEquals(10_000, s.retentionMaxPerUser());
    }

    @Test
    void anHs256SecretUnder32BytesStopsStartUp() {
        Settings.InvalidSettingsException e = assertThrows(Settings.InvalidSettingsException.class,
                () -> Settings.fromMap(Map.of(Settings.JWT_HS256_SECRET, "x".repeat(31))));
        assertTrue(e.getMessage().contains("SSE_NOTIFY_JWT_HS256_SECRET must be at least 32 bytes"), e.getMessage());
        assertEquals(32, Settings.fromMap(Map.of(Settings.JWT_HS256_SECRET, "x".repeat(32))).jwtHs256Secret().length());
    }

    /** Prints the retry setting as {@link Settings#load} reads it in a JVM of its own. */
    public static final class PrintRetry {
        public static void main(String[] args) {
            System.out.println("retryMs=" + Settings.load(name -> Settings.RETRY_MS.equals(name) ? "1111" : null).retryMs());
        }
    }

    @Test
    void environmentBeatsSystemProperty() throws Exception {
        // The environment of a running JVM is fixed, so the check runs in a child JVM.
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-D" + Settings.RETRY_MS + "=4321",
                PrintRetry.class.getName());
        pb.environment().put(Settings.RETRY_MS, "2468");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("retryMs=2468"), "environment beats system property and init-param: " + out);
    }

    @Test
    void invalidValueStopsStartWithAMessageNamingTheSetting() {
        Settings.InvalidSettingsException e = assertThrows(Settings.InvalidSettingsException.class,
                () -> Settings.fromMap(Map.of(Settings.HEARTBEAT_SECONDS, "0", Settings.QUEUE_BYTES, "lots")));
        assertTrue(e.getMessage().contains("SSE_NOTIFY_HEARTBEAT_SECONDS must be an integer 1..3600, got '0'"), e.getMessage());
        assertTrue(e.getMessage().contains("SSE_NOTIFY_QUEUE_BYTES must be an integer"), e.getMessage());
    }

    @Test
    void jdbcUrlMustBeJdbc() {
        Settings.InvalidSettingsException e = assertThrows(Settings.InvalidSettingsException.class,
                () -> Settings.fromMap(Map.of(Settings.JDBC_URL, "h2:mem:x")));
        assertTrue(e.getMessage().contains("SSE_NOTIFY_JDBC_URL must start with jdbc:"), e.getMessage());
    }

    @Test
    void laterSourcesWin() {
        Map<String, String> initParams = Map.of(Settings.RETRY_MS, "1234", Settings.REPLAY_LIMIT, "77");
        System.setProperty(Settings.RETRY_MS, "4321");
        try {
            Settings s = Settings.load(initParams::get);
            assertEquals(4321, s.retryMs(), "system property beats init-param");
            assertEquals(77, s.replayLimit(), "init-param beats default");
        } finally {
            System.clearProperty(Settings.RETRY_MS);
        }
    }
}
