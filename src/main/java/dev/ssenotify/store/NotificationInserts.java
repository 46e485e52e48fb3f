package dev.ssenotify.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The insert on the publish path, in plain JDBC on a connection the caller's transaction owns.
 * It is the one statement run per notification: profiled at 5,000/s, opening a jdbi handle
 * and attaching a SqlObject for it (configuration copies, statement customizers) cost as
 * much CPU as H2's own insert and commit. Every other query stays in {@link NotificationDao}.
 */
public final class NotificationInserts {

    private static final String INSERT = "INSERT INTO notification_log "
            + "(user_email, type, message_body, link, status, create_time) VALUES (?, ?, ?, ?, 'UNREAD', ?)";

    private NotificationInserts() {
    }

    /** Inserts an UNREAD row and returns its generated id. */
    public static long insert(Connection c, String userEmail, String type, String messageBody, String link,
                              Instant createTime) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT, new String[] {"id"})) {
            bindColumns(ps, 1, userEmail, type, messageBody, link, createTime);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                if (!keys.next()) {
                    throw new SQLException("the insert returned no generated id");
                }
                return keys.getLong(1);
            }
        }
    }

    /**
     * Binds user_email, type, message_body, link and create_time, in that order, from parameter
     * {@code first} on: the columns every insert of a row sets (the publish path's, and the
     * commit journal's restore, which also sets the id).
     */
    static void bindColumns(PreparedStatement ps, int first, String userEmail, String type, String messageBody,
                            String link, Instant createTime) throws SQLException {
        ps.setString(first, userEmail);
        ps.setString(first + 1, type);
        ps.setString(first + 2, messageBody);
        if (link == null) {
            ps.setNull(first + 3, Types.VARCHAR);
        } else {
            ps.setString(first + 3, link);
        }
        ps.setObject(first + 4, OffsetDateTime.ofInstant(createTime, ZoneOffset.UTC));
    }
}
