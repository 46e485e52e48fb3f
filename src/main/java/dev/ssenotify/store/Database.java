package dev.ssenotify.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ssenotify.config.Settings;
import dev.ssenotify.threads.NamedThreads;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * The DataSource, migrated schema and Jdbi. A container's {@code java:comp/env/jdbc/notify}
 * wins over the JDBC URL; otherwise a Hikari pool is built from the URL, with the driver
 * class named so that Tomcat's DriverManager (which cannot see WEB-INF/lib) is never asked.
 */
public final class Database implements AutoCloseable {

    public static final String JNDI_NAME = "java:comp/env/jdbc/notify";
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    private final DataSource dataSource;
    private final HikariDataSource ownedPool;
    private final Jdbi jdbi;
    private final String description;
    private final CommitLog commitLog;

    private Database(DataSource dataSource, HikariDataSource ownedPool, String description, Path journal) {
        this.dataSource = dataSource;
        this.ownedPool = ownedPool;
        this.description = description;
        Flyway.configure(Database.class.getClassLoader())
                .dataSource(dataSource)
                .locations(migrationLocations(dataSource))
                .load()
                .migrate();
        this.jdbi = Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
        // Before anything is served: what the last run answered but H2 had not written goes back in.
        this.commitLog = journal == null ? CommitLog.PER_COMMIT : H2Journal.open(journal, dataSource, Settings.JDBC_URL);
        log.info("Database ready: {}", description);
        Durability.check(dataSource, description, Settings.JDBC_URL, journal);
    }

    /**
     * Every database gets {@code db/migration}; PostgreSQL also gets {@code db/postgresql} (the
     * {@code sse_notify_publish} function). The vendor comes from the connection, not the URL,
     * so a container's DataSource is recognised too. (Not under db/migration: Flyway scans a
     * location's subfolders, and H2 would run them.)
     */
    private static String[] migrationLocations(DataSource dataSource) {
        try (Connection c = dataSource.getConnection()) {
            return "PostgreSQL".equals(c.getMetaData().getDatabaseProductName())
                    ? new String[] {"classpath:db/migration", "classpath:db/postgresql"}
                    : new String[] {"classpath:db/migration"};
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to the database to migrate it: " + e.getMessage(), e);
        }
    }

    /**
     * @param configuredUrl the URL as configured; an embedded H2 URL is opened durable
     *                      ({@link Durability#plan}: a commit journal, or no write delay)
     */
    public static Database open(String configuredUrl) {
        DataSource fromContainer = lookupContainerDataSource();
        if (fromContainer != null) {
            // Used as configured: its URL is the container's, so no journal can be placed beside it.
            return new Database(fromContainer, null, JNDI_NAME, null);
        }
        Durability.Plan plan = Durability.plan(configuredUrl);
        String jdbcUrl = plan.jdbcUrl();
        HikariConfig config = new HikariConfig();
        config.setPoolName("sse-notify-db");
        config.setThreadFactory(new PoolThreads("sse-notify-db"));
        config.setJdbcUrl(jdbcUrl);
        config.setDriverClassName(driverFor(jdbcUrl));
        config.setMaximumPoolSize(10);
        // While the database is down every request waits this long for a connection before
        // it answers 503 (publish) or DOWN (/health): keep it short.
        config.setConnectionTimeout(2_000);
        config.setValidationTimeout(1_000);
        HikariDataSource pool = new HikariDataSource(config);
        try {
            return new Database(pool, pool, jdbcUrl.replaceAll("password=[^;&]*", "password=***"), plan.journal());
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    static String driverFor(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:h2:")) {
            return "org.h2.Driver";
        }
        if (jdbcUrl.startsWith("jdbc:postgresql:")) {
            return "org.postgresql.Driver";
        }
        throw new IllegalArgumentException("SSE_NOTIFY_JDBC_URL must be a jdbc:h2: or jdbc:postgresql: URL, got " + jdbcUrl);
    }

    private static DataSource lookupContainerDataSource() {
        try {
            Object found = new InitialContext().lookup(JNDI_NAME);
            return found instanceof DataSource ds ? ds : null;
        } catch (NamingException | RuntimeException notConfigured) {
            return null;
        }
    }

    /** Publishes the pool's metrics (hikaricp_*) when the pool is ours; a container's pool is its business. */
    public void bindMetrics(MeterRegistry meters) {
        if (ownedPool != null) {
            ownedPool.setMetricRegistry(meters);
        }
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public String description() {
        return description;
    }

    /** What makes a committed publish durable here; the publisher's commit thread is its one caller. */
    public CommitLog commitLog() {
        return commitLog;
    }

    /** Call after the publisher stopped: the journal's last segment is checkpointed before the pool goes. */
    @Override
    public void close() {
        commitLog.close();
        if (ownedPool != null) {
            ownedPool.close();
            if (ownedPool.getThreadFactory() instanceof PoolThreads threads) {
                threads.awaitExit(5_000);
            }
        }
    }

    /**
     * Names and remembers the pool's threads. Hikari's executors report termination while
     * their last thread is still exiting, and Tomcat looks for leftover threads right after
     * contextDestroyed ("appears to have started a thread named [sse-notify-db:connection-closer]
     * but has failed to stop it"), so {@link #close} waits until they are really gone.
     */
    private static final class PoolThreads implements ThreadFactory {
        private final ThreadFactory named;
        private final List<Thread> threads = new CopyOnWriteArrayList<>();

        PoolThreads(String prefix) {
            this.named = NamedThreads.numbered(prefix + "-");
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = named.newThread(r);
            // Hikari's executors retire idle threads and start new ones for as long as the pool
            // lives: forget the finished ones, or this list grows without end.
            threads.removeIf(old -> old.getState() == Thread.State.TERMINATED);
            threads.add(t);
            return t;
        }

        void awaitExit(long timeoutMs) {
            long deadline = System.currentTimeMillis() + timeoutMs;
            for (Thread t : threads) {
                try {
                    t.join(Math.max(1, deadline - System.currentTimeMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
