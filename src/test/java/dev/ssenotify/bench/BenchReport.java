package dev.ssenotify.bench;

import dev.ssenotify.bench.LoadGenerator.Phase;
import dev.ssenotify.bench.LoadGenerator.Report;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
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
                        + "p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f ms | POST p99 %.2f ms, send lag p99 %.2f ms | server CPU %.2f s = %.3f s/1000%s",
                p.name(), p.sent(), p.ok(), p.postFailures().isEmpty() ? "no failures" : p.postFailures(), p.achievedRate(),
                d.received(), d.expected(), d.missing(), d.duplicates(), d.misrouted(), d.dropped(),
                p.ms(50), p.ms(90), p.ms(99), p.ms(99.9), p.maxMs(), p.postP99Ms(), p.sendLagP99Ms(), p.serverCpuSeconds(),
                p.cpuPer1000(), Double.isNaN(p.dbCpuSeconds()) ? ""
                        : String.format(Locale.ROOT, " | database CPU %.2f s = %.0f%% of a core", p.dbCpuSeconds(),
                                100 * p.dbCpuSeconds() / Math.max(1e-9, p.sent() / Math.max(1e-9, p.achievedRate()))));
    }

    static String text(Report r) {
        var o = r.options();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "sse-notify load: %s%n", o.label.isEmpty() ? "(no label)" : o.label));
        sb.append(String.format(Locale.ROOT, "streams %d of %d users, %d generator process(es), %d source addresses%n",
                o.streams, o.users, r.processes(), o.sourceAddresses));
        if (o.batchSize > 1) {
            sb.append(String.format(Locale.ROOT, "batch publish: %d notifications per POST %s over %d connections; "
                    + "rates, sent, ok in notifications; POST p99 per batch%n", o.batchSize, o.batchPath, o.publishConnections));
        }
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
        String title = String.format(Locale.ROOT, "Publish-to-stream latency, %d streams / %d users%s",
                r.options().streams, r.options().users, r.options().label.isEmpty() ? "" : " (" + r.options().label + ")");
        double[][] rows = new double[r.phases().size()][];
        for (int i = 0; i < rows.length; i++) {
            Phase p = r.phases().get(i);
            rows[i] = new double[] {p.targetRate(), p.ms(50), p.ms(90), p.ms(99), p.maxMs()};
        }
        chart(title, rows, png);
    }

    /** Redraws a chart from a CSV this class wrote: {@code LoadGenerator chart FILE.csv}. */
    static void chartFromCsv(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<String> header = List.of(lines.get(0).split(","));
        double[][] rows = new double[lines.size() - 1][];
        String title = "";
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            title = String.format(Locale.ROOT, "Publish-to-stream latency, %s streams / %s users (%s)",
                    f[header.indexOf("streams")], f[header.indexOf("users")], f[header.indexOf("label")]);
            rows[i - 1] = new double[] {Double.parseDouble(f[header.indexOf("target_rate")]),
                    Double.parseDouble(f[header.indexOf("p50_ms")]), Double.parseDouble(f[header.indexOf("p90_ms")]),
                    Double.parseDouble(f[header.indexOf("p99_ms")]), Double.parseDouble(f[header.indexOf("max_ms")])};
        }
        String name = csv.getFileName().toString().replaceFirst("\\.csv$", ".png");
        chart(title, rows, csv.resolveSibling(name));
    }

    /**
     * rows: {rate, p50, p90, p99, max} in ms. Distinct rates go on the x axis; repeated runs
     * at one rate are drawn against their run number instead.
     */
    static void chart(String title, double[][] rows, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        boolean byRate = java.util.Arrays.stream(rows).mapToDouble(r -> r[0]).distinct().count() == rows.length;
        String[] names = {"p50", "p90", "p99", "max"};
        XYSeriesCollection data = new XYSeriesCollection();
        for (int s = 0; s < names.length; s++) {
            XYSeries series = new XYSeries(names[s]);
            for (int i = 0; i < rows.length; i++) {
                series.add(byRate ? rows[i][0] : i + 1, Math.max(0.01, rows[i][s + 1]));
            }
            data.addSeries(series);
        }
        String x = byRate ? "notifications per second (target)"
                : String.format(Locale.ROOT, "run (each at %.0f notifications per second)", rows[0][0]);
        JFreeChart chart = ChartFactory.createXYLineChart(title, x, "latency (ms)", data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        LogAxis y = new LogAxis("latency (ms, log scale)");
        y.setSmallestValue(0.1);
        y.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
        plot.setRangeAxis(y);
        NumberAxis xAxis = (NumberAxis) plot.getDomainAxis();
        xAxis.setAutoRangeIncludesZero(false);
        if (!byRate) {
            xAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        }
        ValueMarker target = new ValueMarker(50);
        target.setPaint(Color.GRAY);
        target.setLabel("50 ms");
        target.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        target.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
        plot.addRangeMarker(target);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < names.length; i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 900, 500);
    }
}
