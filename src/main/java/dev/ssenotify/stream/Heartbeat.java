package dev.ssenotify.stream;

import dev.ssenotify.threads.NamedThreads;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every period: a {@code : keepalive} comment to each stream (proxies keep the connection,
 * and a write to a vanished client fails, which removes it), ends streams past their maximum
 * age, and closes streams whose queue has not moved for the stall limit.
 */
public final class Heartbeat implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

    private final SubscriberRegistry registry;
    private final Duration period;
    private final Duration maxAge;
    private final Duration stallLimit;
    private final ScheduledExecutorService timer;

    public Heartbeat(SubscriberRegistry registry, Duration period, Duration stallLimit, Duration maxAge) {
        this.registry = registry;
        this.period = period;
        this.maxAge = maxAge;
        this.stallLimit = stallLimit;
        this.timer = Executors.newSingleThreadScheduledExecutor(NamedThreads.single("sse-notify-heartbeat"));
    }

    public void start() {
        long ms = period.toMillis();
        timer.scheduleAtFixedRate(this::beat, ms, ms, TimeUnit.MILLISECONDS);
    }

    void beat() {
        try {
            long now = System.nanoTime();
            registry.forEach(c -> {
                if (c.isStalled(now, stallLimit)) {
                    c.close(CloseReason.SLOW_CONSUMER);
                } else if (!maxAge.isZero() && c.age(now).compareTo(maxAge) >= 0) {
                    c.close(CloseReason.MAX_AGE);
                } else {
                    c.send(Delivery.KEEPALIVE);
                }
            });
        } catch (RuntimeException e) {
            // One bad pass must not cancel the schedule.
            log.warn("heartbeat pass failed", e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(5, TimeUnit.SECONDS);
    }
}
