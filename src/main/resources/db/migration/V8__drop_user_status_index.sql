-- Each secondary index costs every publish a random B-tree insert and, under load, a page
-- rewrite per background commit (profiled at 5,000/s: index maintenance and page serialization
-- were the largest share of the server's CPU). The (user_email, id) index already serves every
-- per-user query in id order; the status filters (unread count, status lists, read-all) now
-- walk that user's rows, which retention bounds (SSE_NOTIFY_RETENTION_MAX_PER_USER).
DROP INDEX notification_log_user_status;
