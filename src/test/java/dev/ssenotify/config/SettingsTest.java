package dev.ssenotify.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

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
