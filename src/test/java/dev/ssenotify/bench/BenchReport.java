package dev.ssenotify.bench;

import dev.ssenotify.bench.LoadGenerator.Phase;
import dev.ssenotify.bench.LoadGenerator.Report;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The text report, the CSV (one row per rate) and the PNG chart of latency percentiles against rate. */
final class BenchReport {

    static final String CSV_HEADER = "label,streams,users,target_rate,achieved_rate,sent,ok,expected_deliveries,received,"
            + "missing,duplicates,misrouted,dropped_streams,p50_ms,p90_ms,p99_ms,p999_ms,max_ms,post_p99_ms,"
            + "send_lag_p99_ms,server_cpu_s,cpu_s_per_1000";

    private BenchReport() {
    }

    static String phaseLine(Phase p) {
        var d = p.delivery();
        return String.format(Locale.ROOT,
                "%-8s sent %d ok %d (%s) achieved %.0f/s | deliveries %d/%d missing %d dup %d misrouted %d dropped %d | "
                        + "p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f ms | POST p99 %.2f ms, send lag p99 %.2f ms | server CPU %.2f s = %.3f s/1000",
                p.name(), p.sent(), p.ok(), p.postFailures().isEmpty() ? "no failures" : p.postFailures(), p.achievedRate(),
                d.received(), d.expected(), d.missing(), d.duplicates(), d.misrouted(), d.dropped(),
                p.ms(50), p.ms(90), p.ms(99), p.ms(99.9), p.maxMs(), p.postP99Ms(), p.sendLagP99Ms(), p.serverCpuSeconds(),
                p.cpuPer1000());
    }

    static String text(Report r) {
        var o = r.options();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "sse-notify load: %s%n", o.label.isEmpty() ? "(no label)" : o.label));
        sb.append(String.format(Locale.ROOT, "streams %d of %d users, %d generator process(es), %d source addresses%n",
                o.streams, o.users, r.processes(), o.sourceAddresses));
        sb.append(String.format(Locale.ROOT, "ready %d, failures %d%s, connected in %d ms%n", r.ready(), r.failures(),
                r.failureDetail().isEmpty() ? "" : " (" + r.failureDetail() + ")", r.connectMillis()));
        if (r.rssBeforeKiB() >= 0) {
            sb.append(String.format(Locale.ROOT, "server RSS %d -> %d KiB: %.2f KiB per stream%n",
                    r.rssBeforeKiB(), r.rssAfterKiB(), r.rssPerStreamKiB()));
            sb.append(String.format(Locale.ROOT, "server live heap after full GC %d -> %d KiB: %.2f KiB per stream; %d threads%n",
                    r.heapBeforeBytes() / 1024, r.heapAfterBytes() / 1024, r.heapPerStreamKiB(), r.serverThreads()));
        }
        for (Phase p : r.phases()) {
            sb.append(phaseLine(p)).append('\n');
        }
        return sb.toString();
    }

    static void write(Report r, Path prefix) throws IOException {
        if (prefix.getParent() != null) {
            Files.createDirectories(prefix.getParent());
        }
        Files.writeString(Path.of(prefix + ".txt"), text(r), StandardCharsets.UTF_8);
        if (r.phases().isEmpty()) {
            return;
        }
        StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
        for (Phase p : r.phases()) {
            var d = p.delivery();
            csv.append(String.format(Locale.ROOT, "%s,%d,%d,%.0f,%.1f,%d,%d,%d,%d,%d,%d,%d,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.2f,%.4f%n",
                    r.options().label, r.options().streams, r.options().users, p.targetRate(), p.achievedRate(), p.sent(),
                    p.ok(), d.expected(), d.received(), d.missing(), d.duplicates(), d.misrouted(), d.dropped(),
                    p.ms(50), p.ms(90), p.ms(99), p.ms(99.9), p.maxMs(), p.postP99Ms(), p.sendLagP99Ms(), p.serverCpuSeconds(),
                    p.cpuPer1000()));
        }
        Files.writeString(Path.of(prefix + ".csv"), csv.toString(), StandardCharsets.UTF_8);
        chart(r, Path.of(prefix + ".png"));
    }

    static void chart(Report r, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeries p50 = new XYSeries("p50");
        XYSeries p90 = new XYSeries("p90");
        XYSeries p99 = new XYSeries("p99");
        XYSeries max = new XYSeries("max");
        for (Phase p : r.phases()) {
            p50.add(p.targetRate(), Math.max(0.01, p.ms(50)));
            p90.add(p.targetRate(), Math.max(0.01, p.ms(90)));
            p99.add(p.targetRate(), Math.max(0.01, p.ms(99)));
            max.add(p.targetRate(), Math.max(0.01, p.maxMs()));
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(p50);
        data.addSeries(p90);
        data.addSeries(p99);
        data.addSeries(max);
        String title = String.format(Locale.ROOT, "Publish-to-stream latency, %d streams / %d users%s",
                r.options().streams, r.options().users, r.options().label.isEmpty() ? "" : " (" + r.options().label + ")");
        JFreeChart chart = ChartFactory.createXYLineChart(title, "notifications per second (target)", "latency (ms)",
                data, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogAxis y = new LogAxis("latency (ms, log scale)");
        y.setSmallestValue(0.01);
        plot.setRangeAxis(y);
        ((NumberAxis) plot.getDomainAxis()).setAutoRangeIncludesZero(false);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < 4; i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 900, 500);
    }
}
