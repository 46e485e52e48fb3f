package dev.ssenotify.standalone;

import dev.ssenotify.config.Settings;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;

/** {@code java -jar sse-notify-standalone.jar}: embedded Jetty + H2 on {@code PORT} (8080). */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("java.util.logging.manager") == null) {
            // Before anything logs: keeps the log open while a SIGTERM stops the server.
            System.setProperty("java.util.logging.manager", ShutdownLogManager.class.getName());
        }
        boolean ownLayout = System.getProperty("java.util.logging.SimpleFormatter.format") != null;
        if (!ownLayout) {
            System.setProperty("java.util.logging.SimpleFormatter.format", LogLineFormatter.SIMPLE_FORMAT);
        }
        AsyncConsoleHandler console = useAsyncConsole(ownLayout);
        // One hook, so the lines of a graceful stop are written before the JVM exits: JVM
        // shutdown hooks run concurrently, and the console writer is a daemon thread. It is
        // registered first, so lines logged before an early exit (bad settings) are kept too.
        AtomicReference<Server> running = new AtomicReference<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Server server = running.get();
                if (server != null) {
                    server.stop();
                }
            } catch (Exception e) {
                Logger.getLogger(Main.class.getName()).log(Level.WARNING, "stop failed", e);
            } finally {
                if (console != null) {
                    console.flush();
                }
            }
        }, "sse-notify-shutdown"));
        Settings settings;
        try {
            settings = Settings.load(name -> null);
        } catch (Settings.InvalidSettingsException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Server server;
        try {
            server = EmbeddedServer.newServer(settings.port(), Map.of());
        } catch (Settings.InvalidSettingsException e) {
            // Checked only when the connector is built: a keystore that does not open.
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        server.setStopAtShutdown(false);
        running.set(server);
        server.start();
        ServletContextHandler context = (ServletContextHandler) server.getHandler();
        if (!context.isAvailable() || EmbeddedServer.app(server) == null) {
            if (console != null) {
                console.flush();
            }
            System.err.println("sse-notify did not start; see the log above");
            server.stop();
            System.exit(1);
        }
        Logger startup = Logger.getLogger(Main.class.getName());
        for (String line : EmbeddedServer.startupLines(settings, EmbeddedServer.port(server))) {
            startup.info(line);
        }
        server.join();
    }

    /**
     * Swaps the root logger's console handler for {@link AsyncConsoleHandler}, unless the
     * logging was configured explicitly ({@code java.util.logging.config.file} or
     * {@code .class}), which is then left as given. Lines keep the default layout, written by
     * {@link LogLineFormatter}, unless a {@code SimpleFormatter} pattern was given.
     */
    private static AsyncConsoleHandler useAsyncConsole(boolean ownLayout) {
        if (System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null) {
            return null;
        }
        Logger root = Logger.getLogger("");
        AsyncConsoleHandler console = new AsyncConsoleHandler();
        if (!ownLayout) {
            console.setFormatter(new LogLineFormatter());
        }
        for (Handler h : root.getHandlers()) {
            if (h instanceof ConsoleHandler) {
                console.setLevel(h.getLevel());
                root.removeHandler(h);
                h.close();
            }
        }
        root.addHandler(console);
        return console;
    }
}
