package dev.ssenotify.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * "Answered 201" means "survives a crash". H2 writes a commit to its file up to
 * {@code WRITE_DELAY} ms (default 500) after it returns, so a {@code kill -9} lost the last
 * half second of answered notifications and their ids were handed out again after the
 * restart (issue 11). {@link #plan} decides how an H2 URL is made durable:
 * <ul>
 * <li>an embedded H2 file that does not choose a {@code WRITE_DELAY} keeps H2's write delay
 *     and gets a commit journal beside it ({@link H2Journal}): one append per group commit;
 *     and {@code ;DB_CLOSE_ON_EXIT=FALSE} unless it says otherwise, so that the app, not H2's
 *     shutdown hook, closes the database after a graceful stop;
 * <li>other embedded H2 URLs (an H2 file system prefix such as {@code nio:} or {@code split:},
 *     where the journal cannot know the file's place) get {@code ;WRITE_DELAY=0}: every commit
 *     in the file before it returns;
 * <li>an explicit {@code WRITE_DELAY}, in-memory databases, H2 servers and PostgreSQL are
 *     left as they are.
 * </ul>
 * Either way a commit survives a process crash; an OS crash or power cut is a matter of the
 * disk's own flushing, which neither forces per commit.
 *
 * <p>At start the effective setting is read back from the database, whatever the URL or a
 * container's DataSource said: H2 with a write delay and no journal, or PostgreSQL with
 * {@code synchronous_commit} off, is logged as a WARN naming what weakens it.
 */
public final class Durability {

    private static final Logger log = LoggerFactory.getLogger(Durability.class);
    private static final Pattern WRITE_DELAY = Pattern.compile("(?i);\\s*WRITE_DELAY\\s*=\\s*([^;]*)");

    private Durability() {
    }

    /** How to open a database: the URL, and the commit journal's directory when there is one. */
    public record Plan(String jdbcUrl, Path journal) {
    }

    private static final Pattern DB_CLOSE_ON_EXIT = Pattern.compile("(?i);\\s*DB_CLOSE_ON_EXIT\\s*=");
    private static final Pattern FILE_SYSTEM_PREFIX = Pattern.compile("^[A-Za-z][A-Za-z0-9]+:");

    /** See the class comment: the URL to open and, for a plain embedded H2 file, its journal. */
    public static Plan plan(String jdbcUrl) {
        if (!jdbcUrl.startsWith("jdbc:h2:")) {
            return new Plan(jdbcUrl, null);
        }
        String rest = jdbcUrl.substring("jdbc:h2:".length());
        String lower = rest.toLowerCase(Locale.ROOT);
        if (lower.startsWith("mem:") || lower.startsWith("tcp:") || lower.startsWith("ssl:")
                || WRITE_DELAY.matcher(jdbcUrl).find()) {
            return new Plan(jdbcUrl, null);
        }
        String path = rest.split(";", 2)[0];
        if (path.toLowerCase(Locale.ROOT).startsWith("file:")) {
            path = path.substring("file:".length());
        }
        if (FILE_SYSTEM_PREFIX.matcher(path).find() || path.isBlank()) {
            return new Plan(jdbcUrl + ";WRITE_DELAY=0", null);
        }
        if (path.startsWith("~")) {
            path = System.getProperty("user.home") + path.substring(1);
        }
        // H2's own JVM shutdown hook would close the database under a graceful stop that is
        // still recording what is queued (and checkpointing the journal): the app closes it,
        // last. An exit without that close loses nothing either: the journal has it.
        String url = DB_CLOSE_ON_EXIT.matcher(jdbcUrl).find() ? jdbcUrl : jdbcUrl + ";DB_CLOSE_ON_EXIT=FALSE";
        return new Plan(url, Path.of(path + ".journal"));
    }

    /**
     * Logs whether commits are durable on this database; never fails start-up.
     *
     * @param configured the URL it was opened with (H2's metadata URL drops the settings), or a JNDI name
     * @param setting    the setting that holds the URL, named in the warning
     * @param journal    the commit journal in use, or null
     */
    public static void check(DataSource dataSource, String configured, String setting, Path journal) {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            String product = c.getMetaData().getDatabaseProductName();
            if ("H2".equalsIgnoreCase(product)) {
                checkH2(st, c.getMetaData().getURL(), configured, setting, journal);
            } else if ("PostgreSQL".equalsIgnoreCase(product)) {
                checkPostgres(st, setting);
            } else {
                log.info("durability of commits on {} is not checked", product);
            }
        } catch (SQLException | RuntimeException e) {
            log.warn("could not check whether commits are durable: {}", e.toString());
        }
    }

    private static void checkH2(Statement st, String url, String configured, String setting, Path journal)
            throws SQLException {
        int delay = -1;
        // The first WRITE_DELAY row is the database's effective value; a second one, when
        // present, is the URL's (or the default's) and may differ from a persisted SET.
        try (ResultSet rs = st.executeQuery(
                "SELECT SETTING_VALUE FROM INFORMATION_SCHEMA.SETTINGS WHERE SETTING_NAME = 'WRITE_DELAY'")) {
            if (rs.next()) {
                delay = Integer.parseInt(rs.getString(1).trim());
            }
        }
        boolean inMemory = url != null && url.toLowerCase(Locale.ROOT).contains(":mem:");
        if (inMemory) {
            log.info("H2 in memory: nothing survives a restart (a test or demo database)");
        } else if (journal != null) {
            log.info("H2 commits are durable: each group of published rows is appended to the commit journal {} "
                    + "before it is answered; H2 writes its file behind (WRITE_DELAY={})", journal, delay);
        } else if (delay == 0) {
            log.info("H2 commits are durable: WRITE_DELAY=0, every commit is in the file before it is answered");
        } else {
            Matcher m = configured == null ? null : WRITE_DELAY.matcher(configured);
            String source = m != null && m.find() ? setting + " sets WRITE_DELAY=" + m.group(1).trim()
                    : "the database has WRITE_DELAY=" + delay + " (a persisted SET WRITE_DELAY, or the H2 server's)";
            log.warn("NOT DURABLE: {}: a commit reaches the file up to {} ms after it was answered, so a crash "
                    + "(kill -9, OOM kill) loses the notifications answered in that window and their ids are "
                    + "handed out again after the restart. Remove WRITE_DELAY from {} (or set WRITE_DELAY=0).",
                    source, delay < 0 ? "?" : delay, setting);
        }
    }

    private static void checkPostgres(Statement st, String setting) throws SQLException {
        String value;
        try (ResultSet rs = st.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            value = rs.getString(1);
        }
        if ("off".equalsIgnoreCase(value)) {
            log.warn("NOT DURABLE: PostgreSQL reports synchronous_commit=off for the user of {}: a commit is "
                    + "answered before its WAL is flushed, so a database crash can lose the last answered "
                    + "notifications. Set synchronous_commit=on (the default) for this database or role.", setting);
        } else {
            log.info("PostgreSQL commits are durable: synchronous_commit={}", value);
        }
    }
}
