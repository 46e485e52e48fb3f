package dev.ssenotify.store;

import java.time.Instant;

/** One row of {@code notification_log}. Immutable; {@code link} is null when absent. */
public record Notification(
        long id,
        String userEmail,
        String type,
        String messageBody,
        String link,
        String status,
        Instant createTime) {

    public static final String UNREAD = "UNREAD";
    public static final String READ = "READ";
}
