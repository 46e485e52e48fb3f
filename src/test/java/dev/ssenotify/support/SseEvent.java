package dev.ssenotify.support;

/** One dispatched SSE event as the EventSource algorithm builds it; {@code event} is "message" by default. */
public record SseEvent(String id, String event, String data) {
}
