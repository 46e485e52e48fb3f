package dev.ssenotify.support;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fresh {@link TestServer} for every test of a subclass, stopped after it. Override
 * {@link #settings()} for settings of the whole class; a test that needs others may close
 * {@link #server} and assign a new one (it is stopped all the same).
 */
public abstract class ServerTest {

    protected TestServer server;

    protected Map<String, String> settings() {
        return Map.of();
    }

    @BeforeEach
    final void startServer() throws Exception {
        server = TestServer.start(settings());
    }

    @AfterEach
    final void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }
}
