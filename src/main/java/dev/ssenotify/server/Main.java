package dev.ssenotify.server;

import java.util.Map;
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
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$-7s [%3$s] %5$s%6$s%n");
        }
        Settings settings;
        try {
            settings = Settings.load(name -> null);
        } catch (Settings.InvalidSettingsException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Server server = EmbeddedServer.newServer(settings.port(), Map.of());
        server.start();
        ServletContextHandler context = (ServletContextHandler) server.getHandler();
        if (!context.isAvailable() || EmbeddedServer.app(server) == null) {
            System.err.println("sse-notify did not start; see the log above");
            server.stop();
            System.exit(1);
        }
        System.out.println("sse-notify listening on http://localhost:" + EmbeddedServer.port(server) + "/");
        server.join();
    }
}
