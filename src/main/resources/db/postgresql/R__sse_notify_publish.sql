-- PostgreSQL only (Database adds classpath:db/postgresql when the connection says PostgreSQL).
-- Repeatable: Flyway runs it after every versioned migration and again whenever it changes,
-- so the function always matches the table, and it takes no version number from the
-- migrations both databases share.
--
-- sse_notify_publish is the one definition of "publish" on PostgreSQL: the HTTP API of every
-- node calls it, and so may an application in its own transaction, e.g.
--   BEGIN; UPDATE export_job SET done = true WHERE id = 7;
--          SELECT sse_notify_publish('alice@example.com', 'export-done', 'Your export is ready', '/exports/7');
--   COMMIT;
-- The notification exists, and every node's streams of that user get it, exactly when the
-- caller's transaction commits.

-- The per-user ordering lock, held until the caller's transaction ends: the next publish of
-- this user, from any node or session, gets a larger id and commits (and so notifies) after
-- this one, so every stream sees its user's rows in id order. The first key (0x55E0) keeps our
-- locks apart from another application's; two addresses with the same hash only share a lock.
-- (No SET search_path here: it would cost a publish 0.3 ms, and sse_notify_publish, which
-- pins its own, is the caller that matters.)
CREATE OR REPLACE FUNCTION sse_notify_lock_user(user_email text) RETURNS void
    LANGUAGE sql VOLATILE
AS $$
    SELECT pg_advisory_xact_lock(21984, hashtext(user_email))
$$;

-- The HTTP API accepts a link that java.net.URI parses as "/..." (not "//...") without a
-- scheme, or as an http(s) URL with a host. This is that grammar as far as the check depends
-- on it: URI characters only (non-ASCII too, but no Unicode space or C1 control), every %
-- followed by two hex digits, at most one #, and a host that is a name (the last of several
-- labels starting with a letter), an IPv4 address or an [IPv6] address. (Called after the
-- length and character checks of sse_notify_publish.)
CREATE OR REPLACE FUNCTION sse_notify_link_ok(link text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
AS $$
    SELECT link !~ '["<>^`{|}]'
       AND link !~ '[\u0080-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]'
       AND link !~ '%($|[^0-9A-Fa-f]|.$|.[^0-9A-Fa-f])'
       AND link !~ '#.*#'
       AND (link ~ '^/($|[^/])' AND link !~ '[][]'
            OR link ~* ('^https?://([^/?#@\[\]]*@)?'
                        || '(([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]([a-z0-9-]*[a-z0-9])?\.?'
                        || '|[a-z0-9]([a-z0-9-]*[a-z0-9])?\.?'
                        || '|((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
                        || '|\[[0-9a-f:.]+\])'
                        || '(:[0-9]*)?([/?#][^][]*)?$'))
$$;

-- Checks its input like POST /api/v1/notifications (an error names the field and what is
-- accepted, and nothing is inserted), takes the user's ordering lock, inserts the row and
-- announces it on channel sse_notify: the whole row as a JSON array
-- [id, userEmail, type, messageBody, link, createTimeEpochMillis] when that is shorter than
-- pg_notify's 8000 bytes, else "<id>:<userEmail>" (the nodes read such a row back).
-- create_time defaults to the database clock, to the millisecond like the HTTP API's rows;
-- the nodes pass their own so the row they answer with is the row stored.
CREATE OR REPLACE FUNCTION sse_notify_publish(user_email text, type text, message_body text,
                                              link text DEFAULT NULL, create_time timestamptz DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = ${flyway:defaultSchema}, pg_temp
AS $fn$
DECLARE
    new_id   bigint;
    created  timestamptz := date_trunc('milliseconds', COALESCE(create_time, clock_timestamp()));
    payload  text;
BEGIN
    -- The same rules as NotificationValidator (notifications package), in the same order.
    IF user_email IS NULL THEN
        RAISE EXCEPTION 'sse_notify_publish: user_email is required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- [^@...]{1,64}@[^@...]{1,255} as + and lengths: bounded repetitions cost 0.2 ms a match.
    IF char_length(user_email) > 320 OR user_email !~ '^[^@ \x01-\x1f\x7f]+@[^@ \x01-\x1f\x7f]+$'
       OR char_length(split_part(user_email, '@', 1)) > 64 OR char_length(split_part(user_email, '@', 2)) > 255 THEN
        RAISE EXCEPTION 'sse_notify_publish: user_email must be an email address like alice@example.com, got %',
            left(user_email, 100) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF type IS NULL OR type !~ '^[A-Za-z0-9._-]+$' OR char_length(type) > 64 THEN
        RAISE EXCEPTION 'sse_notify_publish: type is required and must match [A-Za-z0-9._-]{1,64}, got %',
            COALESCE(left(type, 100), 'NULL') USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF message_body IS NULL OR message_body = '' THEN
        RAISE EXCEPTION 'sse_notify_publish: message_body is required and must be a non-empty string'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF octet_length(convert_to(message_body, 'UTF8')) > 65536 THEN
        RAISE EXCEPTION 'sse_notify_publish: message_body must be at most 65536 bytes (UTF-8), got %',
            octet_length(convert_to(message_body, 'UTF8')) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF link IS NOT NULL THEN
        IF link = '' OR char_length(link) > 2048 THEN
            RAISE EXCEPTION 'sse_notify_publish: link must be an absolute path like /api/v1/exports/7/file or an http(s) URL of 1..2048 characters'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF link ~ '[\x01-\x20\x7f\\]' THEN
            RAISE EXCEPTION 'sse_notify_publish: link must be an absolute path like /api/v1/exports/7/file or an http(s) URL without spaces, control characters or backslashes'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF NOT sse_notify_link_ok(link) THEN
            RAISE EXCEPTION 'sse_notify_publish: link must be an absolute path like /api/v1/exports/7/file or an http(s) URL, got %',
                left(link, 100) USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;

    PERFORM sse_notify_lock_user(user_email);
    INSERT INTO notification_log (user_email, type, message_body, link, status, create_time)
        VALUES (user_email, type, message_body, link, 'UNREAD', created)
        RETURNING id INTO new_id;
    payload := json_build_array(new_id, user_email, type, message_body, link,
                                (extract(epoch FROM created) * 1000)::bigint)::text;
    IF octet_length(payload) >= 8000 THEN
        payload := new_id || ':' || user_email;
    END IF;
    PERFORM pg_notify('sse_notify', payload);
    RETURN new_id;
END
$fn$;
