-- Retention (issue 7). Per user, the highest row id that retention ever deleted: a stream
-- reconnecting with a Last-Event-ID below it missed deleted rows and gets event: resync.
CREATE TABLE retention_watermark (
    user_email    VARCHAR(320) NOT NULL PRIMARY KEY,
    deleted_up_to BIGINT       NOT NULL
);

-- The READ-age rule scans READ rows by age without touching other users' indexes.
CREATE INDEX notification_log_status_time ON notification_log (status, create_time);
