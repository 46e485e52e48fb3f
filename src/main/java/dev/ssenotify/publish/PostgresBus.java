package dev.ssenotify.publish;

import dev.ssenotify.threads.NamedThreads;
import dev.ssenotify.store.Notification;
import dev.ssenotify.store.NotificationDao;
import dev.ssenotify.store.RetentionDao;
import dev.ssenotify.stream.CloseReason;
import dev.ssenotify.stream.SseConnection;
import dev.ssenotify.stream.SubscriberRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.ToLongFunction;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus of several nodes sharing one PostgreSQL database. The insert, then
 * {@code pg_notify}, commit in one transaction, so a notification exists exactly when its row
 * does; each node {@code LISTEN}s on one dedicated connection (not from the pool: a pooled
 * connection would be recycled and lose the LISTEN) and fans rows out to its own streams only.
 *
 * <p><b>Order.</b> One user's inserts are serialized across nodes by a transaction-scoped
 * advisory lock taken before the insert; ids come from one sequence, so one user's rows commit
 * in id order, and PostgreSQL delivers NOTIFYs in commit order. Every stream therefore sees
 * its user's rows in id order, which its gate requires (it drops an id at or below the last
 * one sent). For the same reason the publishing node does not deliver its own rows directly:
 * they come back through LISTEN like everyone else's, in order with other nodes' rows.
 *
 * <p><b>Payload.</b> {@code pg_notify} payloads must be shorter than 8000 bytes, and a message
 * body may be 64 KiB, so the payload carries only {@code <id>:<userEmail>} (at most about
 * 1.3 KB: the address column is 320 characters); the listener reads the announced rows back
 * from the table, one query per user per batch of notifications.
 *
 * <p><b>Drops.</b> When the LISTEN connection fails (database restart, network cut, the
 * backend terminated), rows may commit while nobody listens. The listener reconnects with
 * backoff, LISTENs again, and only then catches every local stream up from the table from the
 * last id that stream sent ({@link SubscriberRegistry#catchUp}): rows held by the gate during
 * the read and rows read are merged without gap or duplicate. A stream that has sent no row
 * yet starts from the newest id of its user announced to this node before the drop, or else
 * from the newest id in the table when the dropped connection started listening (every row
 * above it committed later, so it was either announced before the drop or missed).
 */
public final class PostgresBus implements NotificationBus {

    private static final Logger log = LoggerFactory.getLogger(PostgresBus.class);

    static final String CHANNEL = "sse_notify";
    /** Named events (not rows): payload {@code user \n name \n json}. */
    static final String EVENTS_CHANNEL = "sse_notify_events";
    /** pg_notify refuses payloads of 8000 bytes or more. */
    private static final int MAX_EVENT_PAYLOAD_BYTES = 7_900;
    /** Application name of the LISTEN connection in {@code pg_stat_activity}. */
    public static final String LISTENER_APPLICATION_NAME = "sse-notify-listen";
    /** First key of our advisory locks, so they cannot meet another application's single-key locks. */
    private static final int LOCK_NAMESPACE = 0x55E0;
    private static final int POLL_MS = 250;
    private static final Duration CHECK_AFTER_IDLE = Duration.ofSeconds(5);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration FIRST_REPLAY_WAIT = Duration.ofSeconds(10);
    private static final int MAX_TRACKED_USERS = 100_000;

    private final String jdbcUrl;
    private final Jdbi jdbi;
    private final SubscriberRegistry registry;
    private final int replayLimit;
    private final Thread thread;
    private volatile boolean running = true;

    // Owned by the listener thread (and the constructor, before the thread starts).
    private Connection listen;
    /** The newest id in the table when the current LISTEN began. */
    private long listenedFrom;
    /**
     * Per user announced during the current LISTEN: the newest id.
     * A stream that has sent no row yet catches up from here, so it is not handed rows that
     * were announced before it opened. Cleared at each reconnect (every id in it is then at or
     * below {@link #listenedFrom}); over {@link #MAX_TRACKED_USERS} the users without local
     * streams are forgotten, which only means such a user's next stream may get a few older
     * rows after a drop, never a gap.
     */
    private final Map<String, Long> lastAnnounced = new HashMap<>();

    private volatile long reconnects;
    private volatile long caughtUpRows;

    private PostgresBus(String jdbcUrl, Jdbi jdbi, SubscriberRegistry registry, int replayLimit) {
        this.jdbcUrl = jdbcUrl;
        this.jdbi = jdbi;
        this.registry = registry;
        this.replayLimit = replayLimit;
        this.thread = NamedThreads.single("sse-notify-pg-listen").newThread(this::run);
    }

    /** Connects and LISTENs before returning (start-up fails if it cannot), then starts the listener thread. */
    public static PostgresBus start(String jdbcUrl, Jdbi jdbi, SubscriberRegistry registry, int replayLimit) {
        PostgresBus bus = new PostgresBus(jdbcUrl, jdbi, registry, replayLimit);
        try {
            bus.listenedFrom = bus.connectAndListen();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot LISTEN on " + CHANNEL + ": " + e.getMessage(), e);
        }
        bus.thread.start();
        return bus;
    }

    @Override
    public void beforeInsert(Connection tx, String userEmail) throws SQLException {
        // Held until commit: the next insert of this user, on any node, gets a larger id and
        // commits (and so notifies) after this one. String.hashCode is the same on every JVM;
        // two users whose addresses collide only share a lock, which costs a little waiting.
        try (PreparedStatement ps = tx.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
            ps.setInt(1, LOCK_NAMESPACE);
            ps.setInt(2, userEmail.hashCode());
            ps.executeQuery().close();
        }
    }

    @Override
    public void afterInsert(Connection tx, Notification row) throws SQLException {
        // Delivered to listeners only if and when the transaction commits, in commit order.
        notify(tx, CHANNEL, row.id() + ":" + row.userEmail());
    }

    private static void notify(Connection c, String channel, String payload) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, channel);
            ps.setString(2, payload);
            ps.executeQuery().close();
        }
    }

    /**
     * Through the database so the user's streams on every node get it; this node's own come
     * back through LISTEN too. Best effort, like the event itself: when the payload is too big
     * or the database does not answer, only this node's streams get it.
     */
    @Override
    public void sendEvent(String user, String name, String json) {
        String payload = user + "\n" + name + "\n" + json;
        if (payload.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_EVENT_PAYLOAD_BYTES) {
            registry.sendEvent(user, name, json);
            return;
        }
        try {
            jdbi.useHandle(h -> notify(h.getConnection(), EVENTS_CHANNEL, payload));
        } catch (RuntimeException | SQLException e) {
            log.warn("event {} for {} reached only this node: {}", name, user, e.toString());
            registry.sendEvent(user, name, json);
        }
    }

    private void deliverEvent(String payload) {
        int first = payload.indexOf('\n');
        int second = first < 0 ? -1 : payload.indexOf('\n', first + 1);
        if (second < 0) {
            log.warn("ignoring malformed event payload of {} chars", payload.length());
            return;
        }
        registry.sendEvent(payload.substring(0, first), payload.substring(first + 1, second), payload.substring(second + 1));
    }

    /** Nothing to do: the row reaches this node's streams through LISTEN, in order with other nodes' rows. */
    @Override
    public void publish(Notification row) {
    }

    /** How many times the LISTEN connection was re-established. */
    public long reconnects() {
        return reconnects;
    }

    /** Rows read back from the table by catch-ups (a row read for several streams counts once per read). */
    public long caughtUpRows() {
        return caughtUpRows;
    }

    private long connectAndListen() throws SQLException {
        Properties props = new Properties();
        props.setProperty("ApplicationName", LISTENER_APPLICATION_NAME);
        props.setProperty("tcpKeepAlive", "true");
        // Bounds the idle check below when the network is cut without a reset.
        props.setProperty("socketTimeout", "10");
        props.setProperty("connectTimeout", "5");
        // The driver class directly: DriverManager cannot see WEB-INF/lib in Tomcat.
        Connection c = new org.postgresql.Driver().connect(jdbcUrl, props);
        if (c == null) {
            throw new SQLException("not a PostgreSQL URL: " + jdbcUrl);
        }
        try {
            c.setAutoCommit(true);
            try (Statement st = c.createStatement()) {
                st.execute("LISTEN " + CHANNEL);
                st.execute("LISTEN " + EVENTS_CHANNEL);
                // After LISTEN: every row committed from now on is announced, and every row
                // committed before has an id at or below this one.
                try (ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(id), 0) FROM notification_log")) {
                    rs.next();
                    long max = rs.getLong(1);
                    listen = c;
                    return max;
                }
            }
        } catch (SQLException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    private void run() {
        Duration backoff = MIN_BACKOFF;
        long lastTraffic = System.nanoTime();
        while (running) {
            try {
                if (listen == null) {
                    long from = connectAndListen();
                    reconnects++;
                    log.info("LISTEN {} re-established; catching up {} local stream(s) from the table",
                            CHANNEL, registry.size());
                    long before = caughtUpRows;
                    catchUpAll();
                    listenedFrom = from;
                    // Every id announced or read so far is at or below the new listenedFrom.
                    lastAnnounced.clear();
                    log.info("caught up: {} row(s) read back from the table", caughtUpRows - before);
                    backoff = MIN_BACKOFF;
                    lastTraffic = System.nanoTime();
                }
                PGNotification[] batch = listen.unwrap(PGConnection.class).getNotifications(POLL_MS);
                if (batch != null && batch.length > 0) {
                    deliver(batch);
                    lastTraffic = System.nanoTime();
                } else if (System.nanoTime() - lastTraffic > CHECK_AFTER_IDLE.toNanos()) {
                    // A cut network shows no error by itself: ask the server now and then.
                    try (Statement st = listen.createStatement()) {
                        st.execute("SELECT 1");
                    }
                    lastTraffic = System.nanoTime();
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    break;
                }
                log.warn("LISTEN connection lost ({}); reconnecting in {} ms", e.toString(), backoff.toMillis());
                closeQuietly(listen);
                listen = null;
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException interrupted) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        closeQuietly(listen);
        listen = null;
    }

    /**
     * Reads the announced rows back, one query per user, and hands them to that user's local
     * streams. A failure propagates: the loop reconnects and catches up, so nothing is lost.
     */
    private void deliver(PGNotification[] batch) {
        Map<String, long[]> range = new LinkedHashMap<>();
        for (PGNotification n : batch) {
            if (EVENTS_CHANNEL.equals(n.getName())) {
                deliverEvent(n.getParameter());
                continue;
            }
            if (!CHANNEL.equals(n.getName())) {
                continue;
            }
            String payload = n.getParameter();
            int colon = payload.indexOf(':');
            long id;
            try {
                id = Long.parseLong(payload.substring(0, Math.max(colon, 0)));
            } catch (NumberFormatException e) {
                log.warn("ignoring malformed notification payload '{}'", payload);
                continue;
            }
            long[] r = range.computeIfAbsent(payload.substring(colon + 1), u -> new long[] {id, id});
            r[0] = Math.min(r[0], id);
            r[1] = Math.max(r[1], id);
        }
        range.forEach((user, r) -> {
            if (registry.size(user) > 0) {
                List<Notification> rows = jdbi.withExtension(NotificationDao.class, dao -> dao.between(user, r[0] - 1, r[1]));
                for (Notification row : rows) {
                    registry.deliver(row);
                }
            }
            // Only once delivered: if the read fails, the catch-up after the reconnect must
            // still start below these rows.
            lastAnnounced.merge(user, r[1], Math::max);
        });
        if (lastAnnounced.size() > MAX_TRACKED_USERS) {
            lastAnnounced.keySet().removeIf(user -> registry.size(user) == 0);
        }
    }

    private void catchUpAll() {
        SubscriberRegistry.MissedRows rows = new SubscriberRegistry.MissedRows() {
            @Override
            public List<Notification> after(String user, long afterId, int limit) {
                List<Notification> found = readTwice(h -> h.attach(NotificationDao.class).after(user, afterId, limit));
                caughtUpRows += found.size();
                return found;
            }

            @Override
            public long maxId(String user, long afterId) {
                return readTwice(h -> h.attach(NotificationDao.class).maxId(user)).orElse(afterId);
            }

            @Override
            public long deletedUpTo(String user) {
                return readTwice(h -> h.attach(RetentionDao.class).watermark(user)).orElse(0L);
            }
        };
        // Where a stream that has sent no row starts: after what was delivered before the
        // connection dropped. Only this (the listener) thread changes lastAnnounced.
        long listened = listenedFrom;
        ToLongFunction<String> floor = user -> Math.max(listened, lastAnnounced.getOrDefault(user, 0L));
        List<SseConnection> pending = registry.catchUp(registry.streams(), rows, floor, replayLimit);
        // Streams still in their first replay cannot be held yet; that replay may have read the
        // table before the missed rows committed, so they are caught up once it is done.
        long deadline = System.nanoTime() + FIRST_REPLAY_WAIT.toNanos();
        while (!pending.isEmpty() && running) {
            if (System.nanoTime() > deadline) {
                pending.forEach(c -> c.close(CloseReason.REPLAY_FAILED));
                break;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            pending = registry.catchUp(pending, rows, floor, replayLimit);
        }
    }

    /**
     * A catch-up read, tried a second time after a short pause: right after a database restart
     * the pool may still hand out a connection to the old server once. A stream whose read
     * fails twice is closed (and its client replays on reconnect), so this is only cheaper.
     */
    private <T> T readTwice(java.util.function.Function<Handle, T> read) {
        try {
            return jdbi.withHandle(read::apply);
        } catch (RuntimeException first) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw first;
            }
            return jdbi.withHandle(read::apply);
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // the connection is gone already
        }
    }

    /** Stops the listener thread; it closes its connection on the way out. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("LISTEN thread did not stop within 5 s");
        }
    }
}
