package dev.ssenotify.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * What one publish's insert costs H2 alone, for a choice of secondary indexes: the same
 * table and INSERT as {@code NotificationInserts}, 10,000 users round-robin, six rounds of
 * 50,000 rows, one commit per row (or per {@code batch} rows). Prints the CPU of the whole
 * process per row (H2's background serialization thread and the GC included) for each round.
 *
 * <pre>
 * java -Xmx512m -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
 *     dev.ssenotify.bench.H2InsertCost INDEXES [BATCH] [URL_OPTIONS]
 * </pre>
 * With {@code -Dusers=shuffled} the users come in a fixed random order instead of round-robin.
 * INDEXES: any of {@code u} (user_email, id), {@code s} (user_email, status, id),
 * {@code t} (status, create_time), {@code k} (user_key, id) on an added BIGINT column that holds
 * a 64-bit hash of the email (a numeric key instead of a string one), or {@code -} for none.
 * The schema since V8 is {@code ut}.
 */
public final class H2InsertCost {

    public static void main(String[] args) throws Exception {
        String indexes = args[0];
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        String urlOptions = args.length > 2 ? args[2] : "";
        Path dir = Files.createTempDirectory("h2-insert-cost");
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve("n") + urlOptions, "sa", "")) {
            try (Statement s = c.createStatement()) {
                s.execute(new String(H2InsertCost.class.getResourceAsStream("/db/migration/V1__notification_log.sql")
                        .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                s.execute("DROP INDEX notification_log_user_id");
                s.execute("DROP INDEX notification_log_user_status");
                if (indexes.contains("u")) {
                    s.execute("CREATE INDEX i_u ON notification_log (user_email, id)");
                }
                if (indexes.contains("s")) {
                    s.execute("CREATE INDEX i_s ON notification_log (user_email, status, id)");
                }
                if (indexes.contains("k")) {
                    s.execute("ALTER TABLE notification_log ADD COLUMN user_key BIGINT");
                    s.execute("CREATE INDEX i_k ON notification_log (user_key, id)");
                }
                if (indexes.contains("t")) {
                    s.execute("CREATE INDEX i_t ON notification_log (status, create_time)");
                }
            }
            c.setAutoCommit(false);
            int users = 10_000;
            int rows = 50_000;
            long seq = 0;
            boolean keyed = indexes.contains("k");
            // Round-robin over "user0".."user9999" walks the string index almost in key order,
            // a locality the generator's random users do not have: "shuffled" visits them in a
            // fixed random order instead.
            boolean shuffled = System.getProperty("users", "").equals("shuffled");
            int[] order = new java.util.Random(42).ints(0, users).distinct().limit(users).toArray();
            try (PreparedStatement ps = c.prepareStatement(keyed
                    ? "INSERT INTO notification_log (user_email, type, message_body, link, status, create_time, user_key) "
                            + "VALUES (?, ?, ?, ?, 'UNREAD', ?, ?)"
                    : "INSERT INTO notification_log "
                            + "(user_email, type, message_body, link, status, create_time) VALUES (?, ?, ?, ?, 'UNREAD', ?)",
                    new String[] {"id"})) {
                for (int round = 0; round < 6; round++) {
                    long cpu0 = os.getProcessCpuTime();
                    long wall0 = System.nanoTime();
                    for (int i = 0; i < rows; i++, seq++) {
                        String email = "user" + (shuffled ? order[(int) (seq % users)] : seq % users) + "@bench";
                        ps.setString(1, email);
                        if (keyed) {
                            ps.setLong(6, userKey(email));
                        }
                        ps.setString(2, "bench");
                        ps.setString(3, "bench " + seq + " " + System.nanoTime());
                        ps.setNull(4, Types.VARCHAR);
                        ps.setObject(5, OffsetDateTime.now(ZoneOffset.UTC));
                        ps.executeUpdate();
                        try (ResultSet keys = ps.getGeneratedKeys()) {
                            keys.next();
                        }
                        if ((i + 1) % batch == 0) {
                            c.commit();
                        }
                    }
                    c.commit();
                    System.out.printf("indexes=%s batch=%d %s round %d (%,d rows in the table): process CPU %.1f us/row, "
                                    + "wall %.1f us/row%n", indexes, batch, urlOptions, round, seq,
                            (os.getProcessCpuTime() - cpu0) / 1e3 / rows, (System.nanoTime() - wall0) / 1e3 / rows);
                }
            }
        }
    }

    /** A 64-bit FNV-1a hash of the email's UTF-16 units: stable across nodes and restarts. */
    static long userKey(String email) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < email.length(); i++) {
            h ^= email.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
