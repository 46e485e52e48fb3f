package dev.ssenotify.stream;

import dev.ssenotify.store.Notification;
import dev.ssenotify.store.NotificationDao;
import dev.ssenotify.store.RetentionDao;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what a stream that is behind is owed, one page at a time: the rows after its cursor,
 * or {@code event: resync} when more than the replay limit are owed or retention deleted some
 * of them. The one place the table is read for streams (first replay, bus catch-up, slow
 * reader alike). A page is bounded in rows and in bytes (its encoded frames); it holds at
 * least one row, however wide.
 */
public final class Replay {

    private static final Logger log = LoggerFactory.getLogger(Replay.class);

    /** Rows a page asks for at most (fewer when rows are wide, see {@link Page#nextRows}). */
    public static final int MAX_PAGE_ROWS = 256;

    /** One page read. {@code resyncAt} >= 0 means a resync to that id instead of rows. */
    record Page(List<Delivery> rows, boolean last, long resyncAt, int nextRows) {

        static Page resync(long lastId) {
            return new Page(List.of(), false, lastId, MAX_PAGE_ROWS);
        }

        boolean isResync() {
            return resyncAt >= 0;
        }

        long bytes() {
            long sum = 0;
            for (Delivery d : rows) {
                sum += d.frame().length;
            }
            return sum;
        }
    }

    private final Jdbi jdbi;
    private final int limit;
    private final int pageBytes;

    /**
     * @param limit     {@code SSE_NOTIFY_REPLAY_LIMIT}: a stream owed more rows than this gets a resync
     * @param pageBytes the most bytes of frames one page holds (beyond its first row)
     */
    public Replay(Jdbi jdbi, int limit, int pageBytes) {
        this.jdbi = jdbi;
        this.limit = limit;
        this.pageBytes = pageBytes;
    }

    public int limit() {
        return limit;
    }

    public int pageBytes() {
        return pageBytes;
    }

    /**
     * The page of {@code user}'s rows after {@code after}, asking for about {@code rows} rows;
     * all reads on one handle (one pooled connection). A failure propagates.
     */
    Page page(String user, long after, int rows) {
        int ask = Math.max(1, Math.min(rows, Math.min(MAX_PAGE_ROWS, limit + 1)));
        return jdbi.withHandle(h -> {
            NotificationDao notifications = h.attach(NotificationDao.class);
            List<Notification> found = notifications.after(user, after, ask);
            // Read after the rows: a row deleted before that read has its watermark committed with it.
            long deletedUpTo = h.attach(RetentionDao.class).watermark(user).orElse(0L);
            boolean tooMany = found.size() > limit || found.size() == ask && moreThanLimitAfter(notifications, user, after);
            if (tooMany || deletedUpTo > after) {
                long lastId = Math.max(deletedUpTo, notifications.maxId(user).orElse(after));
                log.info("stream(s) of {} after {}: resync at {} ({})", user, after, lastId,
                        deletedUpTo > after ? "retention deleted rows up to " + deletedUpTo : "more than " + limit + " owed");
                return Page.resync(lastId);
            }
            return encode(found, ask);
        });
    }

    /**
     * Whether more than {@code limit} rows of the user follow {@code after}. Ids are unique and
     * increasing, so when the user's newest id is within {@code limit} of it they cannot (one
     * index lookup); only otherwise is the index walked {@code limit} entries far.
     */
    private boolean moreThanLimitAfter(NotificationDao notifications, String user, long after) {
        long newest = notifications.maxId(user).orElse(after);
        return newest - after > limit && notifications.idAfter(user, after, limit).isPresent();
    }

    private Page encode(List<Notification> found, int asked) {
        List<Delivery> frames = new ArrayList<>(found.size());
        long bytes = 0;
        boolean cut = false;
        for (Notification n : found) {
            Delivery d = new Delivery(n.id(), SseFrames.notification(n));
            if (!frames.isEmpty() && bytes + d.frame().length > pageBytes) {
                cut = true;
                break;
            }
            frames.add(d);
            bytes += d.frame().length;
        }
        // Next time ask for about as many rows as fit in the byte budget at this page's width.
        int next = MAX_PAGE_ROWS;
        if (!frames.isEmpty()) {
            long perRow = Math.max(1, bytes / frames.size());
            next = (int) Math.max(1, Math.min(MAX_PAGE_ROWS, pageBytes / perRow));
        }
        return new Page(frames, !cut && found.size() < asked, -1, next);
    }
}
