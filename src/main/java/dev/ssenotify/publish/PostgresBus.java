package dev.ssenotify.publish;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.json.Json;
import dev.ssenotify.threads.NamedThreads;
import dev.ssenotify.store.Notification;
import dev.ssenotify.store.NotificationDao;
import dev.ssenotify.stream.SubscriberRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.ToLongFunction;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bus of several nodes sharing one PostgreSQL database. Publishing is the database's
 * {@code sse_notify_publish} function ({@link #insert}): it inserts, then {@code pg_notify}s, in
 * the caller's transaction, so a notification exists exactly when its row does, whether a node
 * or an application's own transaction called it. Each node {@code LISTEN}s on one dedicated
 * connection (not from the pool: a pooled connection would be recycled and lose the LISTEN)
 * and fans rows out to its own streams only.
 *
 * <p><b>Order.</b> The function serializes one user's publishes, on every node and session, by
 * a transaction-scoped advisory lock taken before the insert; ids come from one sequence, so
 * one user's rows commit in id order, and PostgreSQL delivers NOTIFYs in commit order. Every
 * stream therefore sees its user's rows in id order, which its gate requires (it drops an id at
 * or below the last one sent). For the same reason the publishing node does not deliver its
 * own rows directly: they come back through LISTEN like everyone else's, in order with other
 * nodes' rows.
 *
 * <p><b>Payload.</b> {@code pg_notify} payloads must be shorter than 8000 bytes and a message
 * body may be 64 KiB: a row that fits travels whole in its payload (a JSON array), so the
 * listener delivers it without touching the table; a bigger one is announced as
 * {@code <id>:<userEmail>} and read back, all such rows of a batch of notifications in one
 * query. The listener is one thread, so a read per row would cap delivery near one round trip
 * per notification.
 *
 * <p><b>Drops.</b> When the LISTEN connection fails (database restart, network cut, the
 * backend terminated), rows may commit while nobody listens. The listener reconnects with
 * backoff, LISTENs again, and only then asks the registry to catch every local stream up from
 * the table from the last id that stream sent ({@link SubscriberRegistry#catchUpAll}): each
 * pages the rows after it and rejoins the live path without gap or duplicate. A stream that has sent no row
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
    private static final int POLL_MS = 250;
    private static final Duration CHECK_AFTER_IDLE = Duration.ofSeconds(5);
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final int MAX_TRACKED_USERS = 100_000;

    private final String jdbcUrl;
    private final Jdbi jdbi;
    private final SubscriberRegistry registry;
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

    private PostgresBus(String jdbcUrl, Jdbi jdbi, SubscriberRegistry registry) {
        this.jdbcUrl = jdbcUrl;
        this.jdbi = jdbi;
        this.registry = registry;
        this.thread = NamedThreads.single("sse-notify-pg-listen").newThread(this::run);
    }

    /** Connects and LISTENs before returning (start-up fails if it cannot), then starts the listener thread. */
    public static PostgresBus start(String jdbcUrl, Jdbi jdbi, SubscriberRegistry registry) {
        PostgresBus bus = new PostgresBus(jdbcUrl, jdbi, registry);
        try {
            bus.listenedFrom = bus.connectAndListen();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot LISTEN on " + CHANNEL + ": " + e.getMessage(), e);
        }
        bus.thread.start();
        return bus;
    }

    /**
     * Publishes through {@code sse_notify_publish} (migration {@code db/postgresql}), the same
     * function an application calls in its own transaction: it takes the user's ordering lock,
     * inserts and {@code pg_notify}s in {@code tx}. The node passes its clock so the row it
     * answers with is the row stored.
     */
    @Override
    public long insert(Connection tx, NewNotification n, Instant createTime) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT sse_notify_publish(?, ?, ?, ?, ?)")) {
            ps.setString(1, n.userEmail());
            ps.setString(2, n.type());
            ps.setString(3, n.messageBody());
            if (n.link() == null) {
                ps.setNull(4, Types.VARCHAR);
            } else {
                ps.setString(4, n.link());
            }
            ps.setObject(5, OffsetDateTime.ofInstant(createTime, ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("sse_notify_publish returned no id");
                }
                return rs.getLong(1);
            }
        }
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

    /**
     * Rows this node's streams read back from the table while behind (catch-ups after a lost
     * LISTEN, and also first replays and slow readers: they page the same way).
     */
    public long caughtUpRows() {
        return registry.pagedRows();
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
                    catchUpAll();
                    listenedFrom = from;
                    // Every id announced or read so far is at or below the new listenedFrom.
                    lastAnnounced.clear();
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

    /** A row announced by id only (too big for a payload): read back from the table. */
    private record Announced(long id, String user) {
    }

    /** A named event, delivered in its place among the rows. */
    private record Event(String payload) {
    }

    /**
     * Hands a batch of notifications to the local streams in the order they arrived (commit
     * order, so each user's rows in id order). Rows carried in their payload go as they are;
     * rows announced by id only are first read back, all of the batch in one query. A failure
     * propagates before anything of the batch is delivered: the loop reconnects and catches
     * up, so nothing is lost.
     */
    private void deliver(PGNotification[] batch) throws SQLException {
        List<Object> items = new ArrayList<>(batch.length);
        List<Long> toRead = new ArrayList<>();
        for (PGNotification n : batch) {
            if (EVENTS_CHANNEL.equals(n.getName())) {
                items.add(new Event(n.getParameter()));
            } else if (CHANNEL.equals(n.getName())) {
                Object item = parse(n.getParameter());
                if (item instanceof Announced a && registry.size(a.user()) > 0) {
                    toRead.add(a.id());
                }
                if (item != null) {
                    items.add(item);
                }
            }
        }
        Map<Long, Notification> read = toRead.isEmpty() ? Map.of() : jdbi.withHandle(h -> byIds(h.getConnection(), toRead));
        for (Object item : items) {
            if (item instanceof Event e) {
                deliverEvent(e.payload());
            } else if (item instanceof Notification row) {
                registry.deliver(row);
                lastAnnounced.merge(row.userEmail(), row.id(), Math::max);
            } else if (item instanceof Announced a) {
                Notification row = read.get(a.id());
                // Absent: the user has no stream here, or retention deleted the row meanwhile.
                if (row != null) {
                    registry.deliver(row);
                }
                lastAnnounced.merge(a.user(), a.id(), Math::max);
            }
        }
        if (lastAnnounced.size() > MAX_TRACKED_USERS) {
            lastAnnounced.keySet().removeIf(user -> registry.size(user) == 0);
        }
    }

    /**
     * A payload of {@code sse_notify_publish}: the row as {@code [id, userEmail, type,
     * messageBody, link, createTimeEpochMillis]}, or {@code <id>:<userEmail>}; null if malformed.
     */
    private static Object parse(String payload) {
        try {
            if (payload.startsWith("[")) {
                JsonNode a = Json.MAPPER.readTree(payload);
                JsonNode link = a.get(4);
                return new Notification(a.get(0).longValue(), a.get(1).textValue(), a.get(2).textValue(),
                        a.get(3).textValue(), link == null || link.isNull() ? null : link.textValue(),
                        Notification.UNREAD, Instant.ofEpochMilli(a.get(5).longValue()));
            }
            int colon = payload.indexOf(':');
            return new Announced(Long.parseLong(payload.substring(0, Math.max(colon, 0))), payload.substring(colon + 1));
        } catch (IOException | RuntimeException e) {
            log.warn("ignoring malformed notification payload of {} chars: {}", payload.length(), e.toString());
            return null;
        }
    }

    private static Map<Long, Notification> byIds(Connection c, List<Long> ids) throws SQLException {
        Map<Long, Notification> rows = new HashMap<>(ids.size() * 2);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + NotificationDao.COLUMNS + " FROM notification_log WHERE id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Notification n = new Notification(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getObject(7, OffsetDateTime.class).toInstant());
                    rows.put(n.id(), n);
                }
            }
        }
        return rows;
    }

    private void catchUpAll() {
        // Where a stream that has sent no row starts: after what was delivered before the
        // connection dropped. Only this (the listener) thread changes lastAnnounced, and the
        // registry applies the floor before it returns.
        long listened = listenedFrom;
        ToLongFunction<String> floor = user -> Math.max(listened, lastAnnounced.getOrDefault(user, 0L));
        int streams = registry.catchUpAll(floor);
        log.info("{} local stream(s) page from the table to catch up", streams);
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
