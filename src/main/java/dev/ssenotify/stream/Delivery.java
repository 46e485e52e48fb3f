package dev.ssenotify.stream;

/** A row's frame, encoded once per publish and shared by every stream of its user. */
record Delivery(long id, byte[] frame) {
}
