package dev.ssenotify.monitoring;

import dev.ssenotify.stream.CloseReason;
import dev.ssenotify.stream.StreamEvents;
import dev.ssenotify.stream.SubscriberRegistry;
import dev.ssenotify.stream.SubscriberRegistry.Admission;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The app's meters, in one Prometheus registry per app (no global registry, so two apps in
 * one JVM, or a redeploy, never share or leak meters). Every meter a hot path touches is
 * built here once; per frame the streams only bump a pre-built counter, with no tag lookup.
 *
 * <p>Names as Prometheus shows them: {@code sse_notify_streams_open},
 * {@code sse_notify_streams_opened_total}, {@code sse_notify_streams_closed_total{reason}},
 * {@code sse_notify_streams_refused_total{reason}}, {@code sse_notify_notifications_published_total},
 * {@code sse_notify_frames_delivered_total}, {@code sse_notify_delivered_bytes_total},
 * {@code sse_notify_rows_replayed_total}, {@code sse_notify_resyncs_total},
 * {@code sse_notify_publish_to_flush_seconds} (histogram), {@code sse_notify_queued_bytes},
 * {@code sse_notify_retention_deleted_total{rule}}, plus {@code hikaricp_*} and {@code jvm_*}.
 */
public final class Metrics implements StreamEvents, AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    private final Counter opened;
    private final Counter[] closed = new Counter[CloseReason.values().length];
    private final Counter[] refused = new Counter[Admission.values().length];
    private final Counter published;
    private final Counter frames;
    private final Counter bytes;
    private final Counter replayed;
    private final Counter resyncs;
    private final Timer publishToFlush;

    public Metrics() {
        opened = Counter.builder("sse.notify.streams.opened").description("Streams admitted").register(registry);
        for (CloseReason r : CloseReason.values()) {
            closed[r.ordinal()] = Counter.builder("sse.notify.streams.closed")
                    .description("Streams ended, by reason")
                    .tag("reason", r.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        for (Admission a : Admission.values()) {
            if (a != Admission.ADMITTED) {
                refused[a.ordinal()] = Counter.builder("sse.notify.streams.refused")
                        .description("Streams refused before opening: per-user cap (429), total cap or shutdown (503)")
                        .tag("reason", a.name().toLowerCase(Locale.ROOT))
                        .register(registry);
            }
        }
        published = Counter.builder("sse.notify.notifications.published")
                .description("Notifications recorded by this node").register(registry);
        frames = Counter.builder("sse.notify.frames.delivered")
                .description("SSE frames (rows, pings, keep-alives, events) flushed to clients").register(registry);
        bytes = Counter.builder("sse.notify.delivered").baseUnit("bytes")
                .description("SSE bytes flushed to clients").register(registry);
        replayed = Counter.builder("sse.notify.rows.replayed")
                .description("Rows sent from the table to streams that were behind (reconnect, bus catch-up, slow reader)").register(registry);
        resyncs = Counter.builder("sse.notify.resyncs")
                .description("Reconnects answered with event: resync (too many missed rows, or history deleted)")
                .register(registry);
        publishToFlush = Timer.builder("sse.notify.publish.to.flush")
                .description("From a committed row reaching this node's registry to its frame being flushed, per stream")
                .serviceLevelObjectives(ms(1), ms(2), ms(5), ms(10), ms(25), ms(50), ms(100), ms(250), ms(500),
                        ms(1000), ms(2500), ms(5000), ms(10000))
                .register(registry);

        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    private static Duration ms(long n) {
        return Duration.ofMillis(n);
    }

    /** The gauges read from the registry at scrape time. */
    public void bindStreams(SubscriberRegistry streams) {
        Gauge.builder("sse.notify.streams.open", streams, SubscriberRegistry::size)
                .description("Streams open now").register(registry);
        Gauge.builder("sse.notify.queued", streams, SubscriberRegistry::queuedBytes).baseUnit("bytes")
                .description("Bytes waiting in all streams' outbound queues").register(registry);
    }

    /** For libraries that bind themselves (the Hikari pool) and for counters off the hot path. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    public void published() {
        published.increment();
    }

    @Override
    public void opened() {
        opened.increment();
    }

    @Override
    public void refused(Admission why) {
        Counter c = refused[why.ordinal()];
        if (c != null) {
            c.increment();
        }
    }

    @Override
    public void closed(CloseReason reason) {
        if (reason != null) {
            closed[reason.ordinal()].increment();
        }
    }

    @Override
    public void flushed(int frameCount, long byteCount) {
        frames.increment(frameCount);
        bytes.increment(byteCount);
    }

    @Override
    public void rowLatency(long publishToFlushNanos) {
        publishToFlush.record(publishToFlushNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void replayed(int rows) {
        replayed.increment(rows);
    }

    @Override
    public void resynced() {
        resyncs.increment();
    }

    /** Unhooks the GC listeners (a redeploy would otherwise leak this app's class loader). */
    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
