package dev.ssenotify.publish;

import dev.ssenotify.store.Notification;
import dev.ssenotify.stream.SubscriberRegistry;

/** One node: a committed row goes straight to this node's registry (enqueue only). */
public final class InProcessBus implements NotificationBus {

    private final SubscriberRegistry registry;

    public InProcessBus(SubscriberRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void publish(Notification row) {
        registry.deliver(row);
    }

    @Override
    public void sendEvent(String user, String name, String json) {
        registry.sendEvent(user, name, json);
    }
}
