package dev.ssenotify.app;

import dev.ssenotify.export.ExportOptions;
import dev.ssenotify.config.Settings;
import dev.ssenotify.export.ExportJobs;
import dev.ssenotify.monitoring.Metrics;
import dev.ssenotify.publish.InProcessBus;
import dev.ssenotify.publish.NotificationBus;
import dev.ssenotify.publish.Notifier;
import dev.ssenotify.publish.PostgresBus;
import dev.ssenotify.retention.Retention;
import dev.ssenotify.store.Database;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import dev.ssenotify.stream.ClientGoneWatch;
import dev.ssenotify.stream.Heartbeat;
import dev.ssenotify.stream.Pager;
import dev.ssenotify.stream.Replay;
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
    private final Pager pager;
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
        // Each part that owns threads or connections is pushed as soon as it exists, so a
        // start-up that fails part way (LISTEN refused, a bad export directory) closes what
        // it already started, in reverse, instead of leaving pool threads and meters behind.
        Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            this.metrics = new Metrics();
            started.push(metrics);
            this.database = Database.open(settings.jdbcUrl());
            started.push(database);
            database.bindMetrics(metrics.registry());
            // Streams that are behind page from the table on two threads of their own; a page
            // holds at most half a queue and is read when the queue is down to half (issue 12).
            this.pager = new Pager(new Replay(database.jdbi(), settings.replayLimit(), settings.queueBytes() / 2), 2);
            started.push(pager);
            this.registry = new SubscriberRegistry(settings.maxStreamsPerUser(), settings.maxStreams(),
                    settings.stallLimit(), metrics, pager);
            started.push(registry::shutdown);
            metrics.bindStreams(registry);
            // Several nodes on one PostgreSQL fan out through LISTEN/NOTIFY; H2 is one node.
            this.bus = settings.isPostgres()
                    ? PostgresBus.start(settings.jdbcUrl(), database.jdbi(), registry)
                    : new InProcessBus(registry);
            started.push(bus);
            this.notifier = new Notifier(database.dataSource(), database.commitLog(), bus, metrics::published);
            started.push(notifier);
            this.exports = new ExportJobs(new ExportOptions(settings.exportDelay(), settings.exportTtl(),
                    settings.exportMaxRunningPerUser(), settings.exportDir()), database.jdbi(), notifier, bus);
            started.push(exports);
            this.heartbeat = new Heartbeat(registry, settings.heartbeat(), settings.stallLimit(), settings.maxStreamAge());
            started.push(heartbeat);
            this.retention = new Retention(database.jdbi(), settings.retentionReadDays(), settings.retentionMaxPerUser(),
                    metrics.registry());
            started.push(retention);
            this.streamLifetime = new StreamLifetime(clientGone, Clock.systemUTC());
            started.push(streamLifetime);
            heartbeat.start();
            retention.start();
        } catch (RuntimeException | Error e) {
            closeAll(started, e);
            throw e;
        }
    }

    /** Closes what start-up already started, newest first; each failure is kept on {@code cause}. */
    private static void closeAll(Deque<AutoCloseable> started, Throwable cause) {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                cause.addSuppressed(e);
            }
        }
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
     * the pool closes, so a finishing job can still record its notification; then the
     * notifier's commit thread records what is queued and stops.
     */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (AutoCloseable step : new AutoCloseable[] {registry::shutdown, streamLifetime, pager, retention, heartbeat, exports, notifier, bus, database, metrics}) {
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
