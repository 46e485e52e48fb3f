package dev.ssenotify.standalone;

import java.util.logging.LogManager;

/**
 * The standalone runner's {@code java.util.logging} manager. The JDK's own shutdown hook
 * resets (closes) every log handler, racing Jetty's shutdown hook: the lines of a graceful
 * stop (each stream's close line, "sse-notify stopped") would be dropped. During JVM
 * shutdown this manager leaves the handlers open; the console handler flushes every record,
 * so nothing is lost.
 */
public final class ShutdownLogManager extends LogManager {

    @Override
    public void reset() {
        if (!shuttingDown()) {
            super.reset();
        }
    }

    private static boolean shuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }
}
