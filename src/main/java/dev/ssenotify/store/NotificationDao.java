package dev.ssenotify.store;

import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** The notification log. Every query is scoped by user: no method reads another user's rows. */
@RegisterConstructorMapper(Notification.class)
public interface NotificationDao {

    String COLUMNS = "id, user_email, type, message_body, link, status, create_time";

    /**
     * Rows after {@code afterId}, oldest first: one page of what a stream that is behind is owed.
     * {@code ORDER BY user_email, id} (the same order, the user being fixed) lets H2 walk the
     * (user_email, id) index in order and stop after {@code limit}; with {@code ORDER BY id} it
     * sorted every row after {@code afterId} first, which made each page cost the whole backlog.
     */
    @SqlQuery("SELECT " + COLUMNS + " FROM notification_log WHERE user_email = :user AND id > :afterId "
            + "ORDER BY user_email, id LIMIT :limit")
    List<Notification> after(@Bind("user") String user, @Bind("afterId") long afterId, @Bind("limit") int limit);

    /**
     * The id {@code offset} rows past {@code afterId} (0 = the first row after it): present
     * exactly when more than {@code offset} rows follow. Walks the (user_email, id) index only, in order (see {@link #after}).
     */
    @SqlQuery("SELECT id FROM notification_log WHERE user_email = :user AND id > :afterId ORDER BY user_email, id LIMIT 1 OFFSET :offset")
    Optional<Long> idAfter(@Bind("user") String user, @Bind("afterId") long afterId, @Bind("offset") int offset);

    /** Rows with {@code afterId < id <= upToId}, oldest first: what a batch of NOTIFYs announced. */
    @SqlQuery("SELECT " + COLUMNS + " FROM notification_log WHERE user_email = :user AND id > :afterId AND id <= :upToId ORDER BY id")
    List<Notification> between(@Bind("user") String user, @Bind("afterId") long afterId, @Bind("upToId") long upToId);

    @SqlQuery("SELECT MAX(id) FROM notification_log WHERE user_email = :user")
    Optional<Long> maxId(@Bind("user") String user);

    @SqlQuery("SELECT " + COLUMNS + " FROM notification_log WHERE id = :id AND user_email = :user")
    Optional<Notification> find(@Bind("user") String user, @Bind("id") long id);

    /** One page of the newest rows below {@code before}, newest first. */
    @SqlQuery("SELECT " + COLUMNS + " FROM notification_log WHERE user_email = :user AND id < :before "
            + "ORDER BY id DESC LIMIT :limit")
    List<Notification> page(@Bind("user") String user, @Bind("before") long before, @Bind("limit") int limit);

    /** Like {@link #page} for one status; a separate statement so no SQL sees a typeless null. */
    @SqlQuery("SELECT " + COLUMNS + " FROM notification_log WHERE user_email = :user AND status = :status "
            + "AND id < :before ORDER BY id DESC LIMIT :limit")
    List<Notification> pageWithStatus(@Bind("user") String user, @Bind("status") String status,
                                      @Bind("before") long before, @Bind("limit") int limit);

    @SqlQuery("SELECT COUNT(*) FROM notification_log WHERE user_email = :user AND status = 'UNREAD'")
    long unreadCount(@Bind("user") String user);

    @SqlQuery("SELECT COUNT(*) FROM notification_log WHERE user_email = :user")
    long count(@Bind("user") String user);

    /** 1 when the row was this user's and unread, else 0 (unknown, another user's, or already read). */
    @SqlUpdate("UPDATE notification_log SET status = 'READ' WHERE id = :id AND user_email = :user AND status = 'UNREAD'")
    int markRead(@Bind("user") String user, @Bind("id") long id);

    /** Marks this user's unread rows up to {@code upTo} read; rows inserted meanwhile stay unread. */
    @SqlUpdate("UPDATE notification_log SET status = 'READ' WHERE user_email = :user AND status = 'UNREAD' AND id <= :upTo")
    int markAllRead(@Bind("user") String user, @Bind("upTo") long upTo);

    @SqlQuery("SELECT 1")
    int ping();
}
