package dev.ssenotify.publish;

/** A validated request to notify one user; {@code link} may be null. */
public record NewNotification(String userEmail, String type, String messageBody, String link) {
}
