-- H2 only (issue 11): the highest notification id whose insert committed, raised in the same
-- transaction as the inserts. H2 writes behind, so after a crash the version it left says
-- through this mark which inserts it holds; the commit journal restores those above it.
CREATE TABLE sse_notify_journal_mark (
    id      INT    NOT NULL PRIMARY KEY,
    last_id BIGINT NOT NULL
);
INSERT INTO sse_notify_journal_mark (id, last_id) SELECT 1, COALESCE(MAX(id), 0) FROM notification_log;
