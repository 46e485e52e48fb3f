package dev.ssenotify.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ssenotify.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AppStartUpTest {

    @Test
    void aStartUpThatFailsPartWayStopsTheThreadsItAlreadyStarted(@TempDir Path temp) throws Exception {
        // The export directory is checked after the pool, the registry and the bus exist.
        Path file = Files.writeString(temp.resolve("not-a-dir"), "x");
        Settings s = Settings.fromMap(Map.of(Settings.JDBC_URL, "jdbc:h2:mem:startup-" + UUID.randomUUID(),
                Settings.EXPORT_DIR, file.toString()));
        assertThrows(Settings.InvalidSettingsException.class, () -> new App(s));
        assertEquals(List.of(), liveThreads("sse-notify-"), "threads left running after a failed start");
    }

    private static List<String> liveThreads(String prefix) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5_000;
        List<String> names;
        do {
            names = Thread.getAllStackTraces().keySet().stream()
                    .filter(Thread::isAlive)
                    .map(Thread::getName)
                    .filter(n -> n.startsWith(prefix))
                    .sorted()
                    .toList();
            if (names.isEmpty()) {
                return names;
            }
            Thread.sleep(50);
        } while (System.currentTimeMillis() < deadline);
        return names;
    }
}
