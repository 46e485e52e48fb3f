package dev.ssenotify.support;

import java.util.HashMap;
import java.util.Map;

/** A parsed Prometheus text exposition: series ({@code name{labels}}) to value. */
public final class Scrape {

    private final Map<String, Double> series = new HashMap<>();
    private final String text;

    public Scrape(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
    }

    /** The value of one series, e.g. {@code sse_notify_streams_closed_total{reason="max_age"}}; 0 when absent. */
    public double value(String key) {
        return series.getOrDefault(key, 0.0);
    }

    /** The sum of every series of a metric name, whatever its labels. */
    public double sum(String name) {
        double total = 0;
        for (Map.Entry<String, Double> e : series.entrySet()) {
            String k = e.getKey();
            if (k.equals(name) || k.startsWith(name + "{")) {
                total += e.getValue();
            }
        }
        return total;
    }

    public boolean has(String name) {
        return sum(name) != 0 || series.keySet().stream().anyMatch(k -> k.equals(name) || k.startsWith(name + "{"));
    }

    public String text() {
        return text;
    }
}
