package dev.ssenotify.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Reads the server process from the outside: resident memory and CPU time from
 * {@code /proc/<pid>}, live heap with {@code jcmd <pid> GC.class_histogram}, which runs a
 * full GC first and so counts only reachable objects.
 */
final class ServerProbe {

    /** USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on Linux). */
    private static final double TICKS_PER_SECOND = 100.0;

    private final long pid;

    ServerProbe(long pid) {
        this.pid = pid;
    }

    long pid() {
        return pid;
    }

    long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    int threads() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** User + system CPU seconds used so far. */
    double cpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ": state=0 ... utime=11, stime=12
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    }

    /** Bytes of reachable objects, after the full GC that the class histogram forces. */
    long liveHeapBytes() throws IOException, InterruptedException {
        String out = jcmd("GC.class_histogram");
        for (String line : out.split("\n")) {
            String t = line.trim();
            if (t.startsWith("Total")) {
                String[] p = t.split("\\s+");
                return Long.parseLong(p[2]);
            }
        }
        throw new IOException("no Total line in the class histogram of " + pid + ":\n" + out);
    }

    String jcmd(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd " + pid + " " + command + " failed: " + out);
        }
        return out;
    }
}
