package dev.ssenotify.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

class LogLineFormatterTest {

    private static final String FORMAT_PROPERTY = "java.util.logging.SimpleFormatter.format";

    private static SimpleFormatter simpleWithRunnerLayout() {
        String before = System.getProperty(FORMAT_PROPERTY);
        System.setProperty(FORMAT_PROPERTY, LogLineFormatter.SIMPLE_FORMAT);
        try {
            return new SimpleFormatter();
        } finally {
            if (before == null) {
                System.clearProperty(FORMAT_PROPERTY);
            } else {
                System.setProperty(FORMAT_PROPERTY, before);
            }
        }
    }

    @Test
    void writesExactlyWhatSimpleFormatterWritesWithTheRunnersLayout() {
        SimpleFormatter simple = simpleWithRunnerLayout();
        LogLineFormatter ours = new LogLineFormatter();

        LogRecord plain = new LogRecord(Level.INFO, "stream opened user=alice@example.com streams=1");
        plain.setLoggerName("dev.ssenotify.notifications.SseServlet");
        LogRecord sourced = new LogRecord(Level.WARNING, "publish failed: {0}");
        sourced.setParameters(new Object[] {"database unavailable"});
        sourced.setSourceClassName("dev.ssenotify.notifications.NotificationsServlet");
        sourced.setSourceMethodName("doPost");
        LogRecord thrown = new LogRecord(Level.SEVERE, "stop failed");
        thrown.setLoggerName("dev.ssenotify.standalone.Main");
        thrown.setThrown(new IllegalStateException("boom", new RuntimeException("cause")));
        LogRecord fine = new LogRecord(Level.FINE, "x");
        fine.setLoggerName("a");

        for (LogRecord r : List.of(plain, sourced, thrown, fine)) {
            assertEquals(simple.format(r), ours.format(r));
        }
    }
}
