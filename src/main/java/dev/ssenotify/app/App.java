package dev.ssenotify.app;

import dev.ssenotify.config.Settings;
import dev.ssenotify.export.ExportJobs;
import dev.ssenotify.monitoring.Metrics;
import dev.ssenotify.publish.InProcessBus;
import dev.ssenotify.publish.NotificationBus;
import dev.ssenotify.publish.Notifier;
import dev.ssenotify.publish.PostgresBus;
import dev.ssenotify.retention.Retention;
import dev.ssenotify.store.Database;
import dev.ssenotify.stream.ClientGoneWatch;
import dev.ssenotify.stream.Heartbeat;
import dev.ssenotify.stream.StreamLifetime;
import dev.ssenotify.stream.SubscriberRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The object graph, built by hand in dependency order and closed in reverse. One per
 * deployed context; no static state, so two apps can run in one JVM (as the tests do).
 */
public final class App implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(App.class);

    private final Settings settings;
    private final Database database;
    private final SubscriberRegistry registry;
    private final NotificationBus bus;
    private final Notifier notifier;
    private final Heartbeat heartbeat;
    private final Metrics metrics;
    private final Retention retention;
    private final ExportJobs exports;
    private final StreamLifetime streamLifetime;

    public App(Settings settings) {
        this(settings, ClientGoneWatch.NONE);
    }

    /** @param clientGone how the server in use reports a closed client connection early (issue 14) */
    public App(Settings settings, ClientGoneWatch clientGone) {
        this.settings = settings;
        this.metrics = new Metrics();
        try {
            this.database = Database.open(settings.jdbcUrl());
        } catch (RuntimeException e) {
            metrics.close();
            throw e;
        }
        database.bindMetrics(metrics.registry());
        this.registry = new SubscriberRegistry(settings.maxStreamsPerUser(), settings.maxStreams(),
                settings.heartbeat().multipliedBy(2), metrics);
        metrics.bindStreams(registry);
        // Several nodes on one PostgreSQL fan out through LISTEN/NOTIFY (issue 6); H2 is one node.
        this.bus = settings.isPostgres()
                ? PostgresBus.start(settings.jdbcUrl(), database.jdbi(), registry, settings.replayLimit())
                : new InProcessBus(registry);
        this.notifier = new Notifier(database.dataSource(), bus, metrics::published);
        this.heartbeat = new Heartbeat(registry, settings.heartbeat(), settings.maxStreamAge());
        this.retention = new Retention(database.jdbi(), settings.retentionReadDays(), settings.retentionMaxPerUser(),
                metrics.registry());
        try {
            this.exports = new ExportJobs(settings, database.jdbi(), notifier, bus);
        } catch (RuntimeException e) {
            bus.close();
            database.close();
            metrics.close();
            throw e;
        }
        this.streamLifetime = new StreamLifetime(clientGone, java.time.Clock.systemUTC());
        heartbeat.start();
        retention.start();
    }

    public StreamLifetime streamLifetime() {
        return streamLifetime;
    }

    public ExportJobs exports() {
        return exports;
    }

    public Settings settings() {
        return settings;
    }

    public Database database() {
        return database;
    }

    public SubscriberRegistry registry() {
        return registry;
    }

    public NotificationBus bus() {
        return bus;
    }

    public Notifier notifier() {
        return notifier;
    }

    public Metrics metrics() {
        return metrics;
    }

    public Retention retention() {
        return retention;
    }

    /**
     * Graceful stop: refuse new streams and complete every open one, let background work
     * finish (bounded), then stop threads, the pool and the meters; each step runs even if
     * one before failed. Export jobs (issue 3) drain here too, after the streams and before
     * the pool closes, so a finishing job can still record its notification.
     */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (AutoCloseable step : new AutoCloseable[] {registry::shutdown, streamLifetime, retention, heartbeat, exports, bus, database, metrics}) {
            try {
                step.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("sse-notify did not stop cleanly", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        log.info("sse-notify stopped");
        if (failure != null) {
            throw failure;
        }
    }
}
