package dev.ssenotify.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.config.Settings;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: with the built-in demo users (public passwords) the runner listens on loopback
 * only, and says so; {@code SSE_NOTIFY_HOST} picks the address. 127.0.0.2 is loopback too but
 * a different address, so a server bound to 127.0.0.1 refuses it while one on all interfaces
 * accepts it.
 */
class BindAddressTest {

    private Server server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void demoUsersListenOnLoopbackOnlyAndSaySo() throws Exception {
        Map<String, String> params = database();
        server = start(params);
        assertEquals("127.0.0.1", ((ServerConnector) server.getConnectors()[0]).getHost());
        assertAccepts("127.0.0.1");
        assertRefuses("127.0.0.2");
        List<String> lines = EmbeddedServer.startupLines(Settings.fromMap(params), EmbeddedServer.port(server));
        assertTrue(lines.get(0).startsWith("sse-notify listening on http://localhost:" + EmbeddedServer.port(server) + "/"), lines.toString());
        String all = String.join("\n", lines);
        assertTrue(all.contains("loopback only"), all);
        assertTrue(all.contains("alice@example.com / alice"), "how to sign in: " + all);
    }

    @Test
    void aUsersFileListensOnEveryInterface() throws Exception {
        Map<String, String> params = database();
        params.put(Settings.USERS_FILE, usersFile());
        server = start(params);
        assertAccepts("127.0.0.2");
        String all = String.join("\n", EmbeddedServer.startupLines(Settings.fromMap(params), EmbeddedServer.port(server)));
        assertTrue(all.contains("all interfaces"), all);
        assertTrue(!all.contains("loopback only"), all);
    }

    @Test
    void hostChoosesTheAddress() throws Exception {
        Map<String, String> params = database();
        params.put(Settings.USERS_FILE, usersFile());
        params.put(Settings.HOST, "127.0.0.2");
        server = start(params);
        assertAccepts("127.0.0.2");
        assertRefuses("127.0.0.1");
    }

    @Test
    void aHostThatIsNoAddressIsRefusedNamingTheSetting() {
        Map<String, String> params = new HashMap<>();
        params.put(Settings.HOST, "not an address");
        Settings.InvalidSettingsException e = assertThrows(Settings.InvalidSettingsException.class,
                () -> Settings.fromMap(params));
        assertTrue(e.getMessage().contains(Settings.HOST + " must be an address"), e.getMessage());
    }

    private static Map<String, String> database() {
        Map<String, String> params = new HashMap<>();
        params.put(Settings.JDBC_URL, "jdbc:h2:mem:bind-" + UUID.randomUUID());
        return params;
    }

    private static String usersFile() throws Exception {
        return java.nio.file.Path.of(BindAddressTest.class.getResource("/test-users.properties").toURI()).toString();
    }

    private static Server start(Map<String, String> params) throws Exception {
        Server s = EmbeddedServer.newServer(0, params);
        s.start();
        return s;
    }

    private void assertAccepts(String address) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, EmbeddedServer.port(server)), 2000);
        }
    }

    private void assertRefuses(String address) {
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(address, EmbeddedServer.port(server)), 2000);
            }
        }, "the runner must not accept connections on " + address);
    }
}
