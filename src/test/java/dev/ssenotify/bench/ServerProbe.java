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
    /** With several nodes: all of them, summed (rss, cpu, heap, threads). */
    private final long[] group;

    ServerProbe(long pid) {
        this(new long[] {pid});
    }

    ServerProbe(long[] pids) {
        this.pid = pids[0];
        this.group = pids.clone();
    }

    long pid() {
        return pid;
    }

    String pids() {
        return java.util.Arrays.toString(group);
    }

    /** Each process's RSS in KiB, in order. */
    String rssPerProcess() throws IOException {
        java.util.List<Long> out = new java.util.ArrayList<>();
        for (long p : group) {
            out.add(new ServerProbe(p).rssKiB());
        }
        return out.toString();
    }

    /**
     * CPU seconds of a process and its children, e.g. a PostgreSQL postmaster and its backends;
     * the time of children that already exited is in the parent's cutime/cstime.
     */
    static double treeCpuSeconds(long root) throws IOException {
        double total = 0;
        try (java.util.stream.Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path dir : (Iterable<Path>) procs::iterator) {
                String name = dir.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String[] f;
                try {
                    String stat = Files.readString(dir.resolve("stat"));
                    f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                } catch (IOException gone) {
                    continue;
                }
                long self = Long.parseLong(name);
                long parent = Long.parseLong(f[1]);
                if (self == root) {
                    total += (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]))
                            / TICKS_PER_SECOND;
                } else if (parent == root) {
                    total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
                }
            }
        }
        return total;
    }

    long rssKiB() throws IOException {
        if (group.length > 1) {
            long sum = 0;
            for (long p : group) {
                sum += new ServerProbe(p).rssKiB();
            }
            return sum;
        }
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    int threads() throws IOException {
        if (group.length > 1) {
            int sum = 0;
            for (long p : group) {
                sum += new ServerProbe(p).threads();
            }
            return sum;
        }
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** User + system CPU seconds used so far. */
    double cpuSeconds() throws IOException {
        if (group.length > 1) {
            double sum = 0;
            for (long p : group) {
                sum += new ServerProbe(p).cpuSeconds();
            }
            return sum;
        }
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ": state=0 ... utime=11, stime=12
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
    }

    /** Bytes of reachable objects, after the full GC that the class histogram forces. */
    long liveHeapBytes() throws IOException, InterruptedException {
        if (group.length > 1) {
            long sum = 0;
            for (long p : group) {
                sum += new ServerProbe(p).liveHeapBytes();
            }
            return sum;
        }
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
