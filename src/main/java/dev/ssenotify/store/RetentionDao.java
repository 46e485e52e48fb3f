package dev.ssenotify.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindList;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/** Retention's SQL: plain enough for H2 and PostgreSQL alike (no MERGE, no ON CONFLICT). */
@RegisterConstructorMapper(RetentionDao.Victim.class)
public interface RetentionDao {

    /** A row chosen for deletion. */
    record Victim(long id, String userEmail) {
    }

    @SqlQuery("SELECT id, user_email FROM notification_log WHERE status = 'READ' AND create_time < :cutoff "
            + "ORDER BY id LIMIT :limit")
    List<Victim> readOlderThan(@Bind("cutoff") Instant cutoff, @Bind("limit") int limit);

    @SqlQuery("SELECT user_email FROM notification_log GROUP BY user_email HAVING COUNT(*) > :max")
    List<String> usersOver(@Bind("max") int max);

    /** The newest id past the {@code keep} newest rows of the user: it and everything older goes. */
    @SqlQuery("SELECT id FROM notification_log WHERE user_email = :user ORDER BY id DESC LIMIT 1 OFFSET :keep")
    Optional<Long> newestBeyond(@Bind("user") String user, @Bind("keep") int keep);

    @SqlQuery("SELECT id, user_email FROM notification_log WHERE user_email = :user AND id <= :upTo "
            + "ORDER BY id LIMIT :limit")
    List<Victim> oldestUpTo(@Bind("user") String user, @Bind("upTo") long upTo, @Bind("limit") int limit);

    @SqlUpdate("DELETE FROM notification_log WHERE id IN (<ids>)")
    int delete(@BindList("ids") List<Long> ids);

    @SqlUpdate("UPDATE retention_watermark SET deleted_up_to = :id WHERE user_email = :user AND deleted_up_to < :id")
    int raiseWatermark(@Bind("user") String user, @Bind("id") long id);

    @SqlUpdate("INSERT INTO retention_watermark (user_email, deleted_up_to) SELECT :user, :id "
            + "WHERE NOT EXISTS (SELECT 1 FROM retention_watermark WHERE user_email = :user)")
    int insertWatermark(@Bind("user") String user, @Bind("id") long id);

    /** The highest id retention deleted for this user, if any. */
    @SqlQuery("SELECT deleted_up_to FROM retention_watermark WHERE user_email = :user")
    Optional<Long> watermark(@Bind("user") String user);
}
