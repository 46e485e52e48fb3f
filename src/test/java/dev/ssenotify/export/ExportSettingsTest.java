package dev.ssenotify.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.app.App;
import dev.ssenotify.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportSettingsTest {

    @Test
    void exportDefaults() {
        Settings s = Settings.fromMap(Map.of());
        assertEquals(Duration.ofHours(1), s.exportTtl());
        assertEquals(2, s.exportMaxRunningPerUser());
        assertEquals("", s.exportDir());
    }

    @Test
    void invalidExportSettingsStopStartNamingTheSetting() {
        Settings.InvalidSettingsException e = assertThrows(Settings.InvalidSettingsException.class,
                () -> Settings.fromMap(Map.of(Settings.EXPORT_TTL_SECONDS, "0", Settings.EXPORT_MAX_RUNNING_PER_USER, "none")));
        assertTrue(e.getMessage().contains("SSE_NOTIFY_EXPORT_TTL_SECONDS must be an integer 1..2592000, got '0'"), e.getMessage());
        assertTrue(e.getMessage().contains("SSE_NOTIFY_EXPORT_MAX_RUNNING_PER_USER must be an integer 1..1000"), e.getMessage());
    }

    @Test
    void exportDirThatIsAFileStopsStartNamingTheSetting(@TempDir Path temp) throws Exception {
        Path file = Files.writeString(temp.resolve("not-a-dir"), "x");
        Settings s = Settings.fromMap(Map.of(Settings.JDBC_URL, "jdbc:h2:mem:settings-" + UUID.randomUUID(),
                Settings.EXPORT_DIR, file.toString()));
        Settings.InvalidSettingsException e = assertThrows(Settings.InvalidSettingsException.class, () -> new App(s));
        assertTrue(e.getMessage().startsWith("SSE_NOTIFY_EXPORT_DIR must be a writable directory"), e.getMessage());
    }
}
