package dev.ssenotify.bench;

import dev.ssenotify.bench.StreamShard.Connected;
import dev.ssenotify.bench.StreamShard.PhaseResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The load generator. Opens {@code --streams} SSE streams for {@code --users} users against a
 * running server (several forked processes when one process's 20,000 open files are not
 * enough), then for each rate of {@code --rates} publishes at that rate, open loop, for
 * {@code --seconds}, and reports latency from scheduled send to arrival at every stream,
 * missing and duplicate deliveries, and (with {@code --server-pid}) the server's memory and
 * CPU. Writes {@code <out>.txt}, {@code <out>.csv} and {@code <out>.png}. With
 * {@code --batch-size N} (N > 1) the publishers send batches of N notifications for random
 * users to {@code --batch-path} instead of single POSTs; rates stay in notifications per second.
 *
 * <pre>
 * java -cp ... dev.ssenotify.bench.LoadGenerator users-file /tmp/users.txt --users 10000
 * java -cp ... dev.ssenotify.bench.LoadGenerator --port 18080 --streams 10000 --users 10000 \
 *      --rates 5000 --seconds 10 --server-pid 1234 --out bench/results/targeted
 * </pre>
 */
public final class LoadGenerator {

    /** Everything a run needs; {@link #parse} reads it from {@code --name value} arguments. */
    public static final class Options {
        public String host = "127.0.0.1";
        public int port = 18080;
        /** Several nodes: streams are split evenly over these ports and publishes spread over them. */
        public int[] ports = {};
        /** The nodes' processes (one per port), measured together; {@code serverPid} for one. */
        public long[] serverPids = {};
        /** The database's postmaster: its CPU and that of its backends is reported per phase. */
        public long dbPid = 0;
        public String path = "/api/v1/notifications/stream";
        public int streams = 200;
        public int users = 50;
        public String password = "bench";
        public String publisher = "backend";
        public String publisherPassword = "backend-secret";
        public double[] rates = {1000};
        public double seconds = 10;
        public long count = 0;
        public double warmupSeconds = 0;
        public double warmupRate = 1000;
        public int sourceAddresses = 4;
        public int processes = 0;
        public int streamsPerProcess = 10_000;
        public int publishConnections = 32;
        /** 0 or 1: single POSTs; more: batches of this many to {@link #batchPath}. */
        public int batchSize = 0;
        public String batchPath = "/api/v1/notifications/batch";
        /** Batch mode: "random" users per batch (the phase shuffled), or "consecutive" (seq order). */
        public String batchUsers = "random";
        public long serverPid = 0;
        public long drainMillis = 10_000;
        public double holdSeconds = 0;
        public String out = "";
        public String label = "";

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i += 2) {
                String name = args[i];
                String v = i + 1 < args.length ? args[i + 1] : "";
                switch (name) {
                    case "--host" -> o.host = v;
                    case "--port" -> o.port = Integer.parseInt(v);
                    case "--ports" -> o.ports = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
                    case "--server-pids" -> o.serverPids = Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
                    case "--db-pid" -> o.dbPid = Long.parseLong(v);
                    case "--path" -> o.path = v;
                    case "--streams" -> o.streams = Integer.parseInt(v);
                    case "--users" -> o.users = Integer.parseInt(v);
                    case "--password" -> o.password = v;
                    case "--publisher" -> o.publisher = v;
                    case "--publisher-password" -> o.publisherPassword = v;
                    case "--rates" -> o.rates = v.isEmpty() || v.equals("0") ? new double[0]
                            : Arrays.stream(v.split(",")).mapToDouble(Double::parseDouble).toArray();
                    case "--seconds" -> o.seconds = Double.parseDouble(v);
                    case "--count" -> o.count = Long.parseLong(v);
                    case "--warmup-seconds" -> o.warmupSeconds = Double.parseDouble(v);
                    case "--warmup-rate" -> o.warmupRate = Double.parseDouble(v);
                    case "--source-addresses" -> o.sourceAddresses = Integer.parseInt(v);
                    case "--processes" -> o.processes = Integer.parseInt(v);
                    case "--streams-per-process" -> o.streamsPerProcess = Integer.parseInt(v);
                    case "--publish-connections" -> o.publishConnections = Integer.parseInt(v);
                    case "--batch-size" -> o.batchSize = Integer.parseInt(v);
                    case "--batch-path" -> o.batchPath = v;
                    case "--batch-users" -> {
                        if (!v.equals("random") && !v.equals("consecutive")) {
                            throw new IllegalArgumentException("--batch-users must be random or consecutive, got " + v);
                        }
                        o.batchUsers = v;
                    }
                    case "--server-pid" -> o.serverPid = Long.parseLong(v);
                    case "--drain-ms" -> o.drainMillis = Long.parseLong(v);
                    case "--hold-seconds" -> o.holdSeconds = Double.parseDouble(v);
                    case "--out" -> o.out = v;
                    case "--label" -> o.label = v;
                    default -> throw new IllegalArgumentException("unknown option " + name);
                }
            }
            return o;
        }

        int processCount() {
            return processes > 0 ? processes : Math.max(1, (streams + streamsPerProcess - 1) / streamsPerProcess);
        }

        int[] nodePorts() {
            return ports.length > 0 ? ports : new int[] {port};
        }

        long[] nodePids() {
            return serverPids.length > 0 ? serverPids : serverPid > 0 ? new long[] {serverPid} : new long[0];
        }
    }

    /** One publishing phase, measured. */
    public record Phase(String name, double targetRate, long sent, long ok, String postFailures, double achievedRate,
                        PhaseResult delivery, double postP99Ms, double sendLagP99Ms, double serverCpuSeconds,
                        double dbCpuSeconds) {
        double ms(double percentile) {
            return delivery.latencyMicros().getValueAtPercentile(percentile) / 1000.0;
        }

        double maxMs() {
            return delivery.latencyMicros().getMaxValue() / 1000.0;
        }

        double cpuPer1000() {
            return ok == 0 ? Double.NaN : serverCpuSeconds / ok * 1000;
        }
    }

    /** The whole run. Server fields are -1 without {@code --server-pid}. */
    public record Report(Options options, int processes, int ready, int failures, String failureDetail, long connectMillis,
                         long rssBeforeKiB, long rssAfterKiB, long heapBeforeBytes, long heapAfterBytes,
                         int serverThreads, List<Phase> phases) {
        double rssPerStreamKiB() {
            return ready == 0 || rssBeforeKiB < 0 ? Double.NaN : (rssAfterKiB - rssBeforeKiB) / (double) ready;
        }

        double heapPerStreamKiB() {
            return ready == 0 || heapBeforeBytes < 0 ? Double.NaN : (heapAfterBytes - heapBeforeBytes) / 1024.0 / ready;
        }
    }

    private final Options o;
    private final PrintStream log;

    public LoadGenerator(Options options, PrintStream log) {
        this.o = options;
        this.log = log;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("users-file")) {
            Options o = Options.parse(Arrays.copyOfRange(args, 2, args.length));
            new BenchUsers(o.users, o.password).write(Path.of(args[1]), o.publisher, o.publisherPassword);
            System.out.println("wrote " + o.users + " users and publisher " + o.publisher + " to " + args[1]);
            return;
        }
        if (args.length > 1 && args[0].equals("chart")) {
            for (int i = 1; i < args.length; i++) {
                BenchReport.chartFromCsv(Path.of(args[i]));
            }
            return;
        }
        if (args.length > 0 && args[0].equals("--child")) {
            child(args);
            return;
        }
        Options o = Options.parse(args);
        Report r = new LoadGenerator(o, System.out).run();
        String text = BenchReport.text(r);
        System.out.println(text);
        if (!o.out.isEmpty()) {
            BenchReport.write(r, Path.of(o.out));
            System.out.println("wrote " + o.out + (r.phases().isEmpty() ? ".txt" : ".txt, .csv, .png"));
        }
        System.exit(0);
    }

    public Report run() throws Exception {
        BenchUsers users = new BenchUsers(o.users, o.password);
        List<InetSocketAddress> servers = Arrays.stream(o.nodePorts()).mapToObj(p -> new InetSocketAddress(o.host, p)).toList();
        ServerProbe probe = o.nodePids().length > 0 ? new ServerProbe(o.nodePids()) : null;
        long rss0 = -1;
        long heap0 = -1;
        if (probe != null) {
            heap0 = probe.liveHeapBytes();
            rss0 = probe.rssKiB();
            log.printf("server %s before streams: RSS %s KiB, live heap %d KiB%n", probe.pids(), probe.rssPerProcess(), heap0 / 1024);
        }
        // Streams k of node i are a contiguous range, as a balancer spreading users over nodes
        // would leave them; each node's range is split over processes as one node's would be.
        int nodes = servers.size();
        int procsPerNode = Math.max(1, (o.processCount() + nodes - 1) / nodes);
        int procs = nodes == 1 ? o.processCount() : nodes * procsPerNode;
        List<Shard> shards = new ArrayList<>();
        try {
            int perNode = (o.streams + nodes - 1) / nodes;
            for (int node = 0; node < nodes; node++) {
                int nodeFirst = node * perNode;
                int nodeCount = Math.max(0, Math.min(perNode, o.streams - nodeFirst));
                int np = nodes == 1 ? procs : procsPerNode;
                int per = (nodeCount + np - 1) / np;
                for (int p = 0; p < np; p++) {
                    int first = nodeFirst + p * per;
                    int n = Math.max(0, Math.min(per, nodeFirst + nodeCount - first));
                    shards.add(procs == 1 ? new LocalShard(new StreamShard(servers.get(node), sources(), o.path, users, first, n))
                            : new RemoteShard(o, servers.get(node).getPort(), first, n));
                }
            }
            long t0 = System.nanoTime();
            List<CompletableFuture<Connected>> cs = shards.stream().map(Shard::connect).toList();
            int ready = 0;
            int failures = 0;
            List<String> details = new ArrayList<>();
            for (CompletableFuture<Connected> c : cs) {
                Connected r = c.get(10, TimeUnit.MINUTES);
                ready += r.ready();
                failures += r.failures();
                if (!r.failureDetail().isEmpty()) {
                    details.add(r.failureDetail());
                }
            }
            long connectMs = (System.nanoTime() - t0) / 1_000_000;
            log.printf("%d streams ready, %d failed %s, in %d ms over %d process(es)%n", ready, failures, details,
                    connectMs, procs);
            if (o.holdSeconds > 0) {
                Thread.sleep((long) (o.holdSeconds * 1000));
            }
            long rss1 = -1;
            long heap1 = -1;
            int threads = -1;
            if (probe != null) {
                heap1 = probe.liveHeapBytes();
                rss1 = probe.rssKiB();
                threads = probe.threads();
                log.printf("server with streams: RSS %d KiB (+%.1f KiB/stream), live heap %d KiB (+%.2f KiB/stream), %d threads%n",
                        rss1, (rss1 - rss0) / (double) Math.max(1, ready), heap1 / 1024,
                        (heap1 - heap0) / 1024.0 / Math.max(1, ready), threads);
                if (nodes > 1) {
                    log.printf("RSS per node with streams: %s KiB (about %d streams each)%n", probe.rssPerProcess(), ready / nodes);
                }
            }
            List<Phase> phases = new ArrayList<>();
            long seq = 0;
            try (Publisher pub = new Publisher(servers, o.publisher, o.publisherPassword, users, o.publishConnections,
                    o.batchSize, o.batchPath, o.batchUsers.equals("random"))) {
                if (o.warmupSeconds > 0 && o.rates.length > 0) {
                    long n = (long) (o.warmupRate * o.warmupSeconds);
                    Phase w = phase("warmup", pub, shards, probe, seq, n, o.warmupRate);
                    seq += n;
                    log.println(BenchReport.phaseLine(w));
                }
                for (double rate : o.rates) {
                    long n = o.count > 0 ? o.count : (long) (rate * o.seconds);
                    Phase ph = phase(String.format(Locale.ROOT, "%.0f/s", rate), pub, shards, probe, seq, n, rate);
                    seq += n;
                    phases.add(ph);
                    log.println(BenchReport.phaseLine(ph));
                }
            }
            return new Report(o, procs, ready, failures, String.join(",", details), connectMs, rss0, rss1, heap0, heap1,
                    threads, phases);
        } finally {
            for (Shard s : shards) {
                s.close();
            }
        }
    }

    private Phase phase(String name, Publisher pub, List<Shard> shards, ServerProbe probe, long first, long n, double rate)
            throws Exception {
        double cpu0 = probe == null ? 0 : probe.cpuSeconds();
        double db0 = o.dbPid > 0 ? ServerProbe.treeCpuSeconds(o.dbPid) : 0;
        Publisher.Result pr = pub.run(first, n, rate);
        // The database's work for this phase is done once every POST was answered.
        double db = o.dbPid > 0 ? ServerProbe.treeCpuSeconds(o.dbPid) - db0 : Double.NaN;
        PhaseResult total = null;
        for (Shard s : shards) {
            PhaseResult r = s.endPhase(first, first + n, pr.failed(), o.drainMillis);
            total = total == null ? r : total.plus(r);
        }
        double cpu = probe == null ? Double.NaN : probe.cpuSeconds() - cpu0;
        return new Phase(name, rate, pr.sent(), pr.ok(), pr.failures(), pr.achievedRate(), total,
                pr.postMicros().getValueAtPercentile(99) / 1000.0, pr.sendLagMicros().getValueAtPercentile(99) / 1000.0, cpu, db);
    }

    private List<InetAddress> sources() throws IOException {
        return sources(o.sourceAddresses);
    }

    static List<InetAddress> sources(int n) throws IOException {
        List<InetAddress> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i)}));
        }
        return list;
    }

    interface Shard extends AutoCloseable {
        CompletableFuture<Connected> connect();

        PhaseResult endPhase(long first, long last, Set<Long> failed, long drainMillis) throws Exception;

        @Override
        void close();
    }

    private record LocalShard(StreamShard shard) implements Shard {
        @Override
        public CompletableFuture<Connected> connect() {
            return shard.connect();
        }

        @Override
        public PhaseResult endPhase(long first, long last, Set<Long> failed, long drainMillis) throws Exception {
            return shard.endPhase(first, last, failed, drainMillis);
        }

        @Override
        public void close() {
            shard.close();
        }
    }

    /**
     * A forked JVM with its own 20,000 open files, running {@link #child}; commands and results
     * are lines on its stdin and stdout.
     */
    private static final class RemoteShard implements Shard {
        private final Process process;
        private final PrintWriter to;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        RemoteShard(Options o, int port, int first, int n) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> cmd = List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    LoadGenerator.class.getName(), "--child", o.host, Integer.toString(port), o.path,
                    Integer.toString(o.users), o.password, Integer.toString(o.sourceAddresses),
                    Integer.toString(first), Integer.toString(n));
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            to = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l = r.readLine(); l != null; l = r.readLine()) {
                        lines.add(l);
                    }
                } catch (IOException ignored) {
                    // process ended
                }
                lines.add("EXIT");
            }, "bench-shard-reader-" + first);
            reader.setDaemon(true);
            reader.start();
        }

        private String await(String prefix) throws Exception {
            while (true) {
                String l = lines.poll(10, TimeUnit.MINUTES);
                if (l == null || l.equals("EXIT")) {
                    throw new IOException("shard process ended before " + prefix);
                }
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
        }

        @Override
        public CompletableFuture<Connected> connect() {
            to.println("CONNECT");
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return Connected.fromLine(await("READY"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        @Override
        public PhaseResult endPhase(long first, long last, Set<Long> failed, long drainMillis) throws Exception {
            String f = failed.isEmpty() ? "-" : failed.stream().map(String::valueOf).collect(Collectors.joining(","));
            to.println("END " + first + " " + last + " " + drainMillis + " " + f);
            return PhaseResult.fromLine(await("PHASE"));
        }

        @Override
        public void close() {
            to.println("QUIT");
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroy();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroy();
            }
        }
    }

    private static void child(String[] a) throws Exception {
        InetSocketAddress server = new InetSocketAddress(a[1], Integer.parseInt(a[2]));
        BenchUsers users = new BenchUsers(Integer.parseInt(a[4]), a[5]);
        try (StreamShard shard = new StreamShard(server, sources(Integer.parseInt(a[6])), a[3], users,
                Integer.parseInt(a[7]), Integer.parseInt(a[8]))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            PrintStream out = System.out;
            for (String l = in.readLine(); l != null; l = in.readLine()) {
                String[] p = l.split(" ");
                switch (p[0]) {
                    case "CONNECT" -> out.println(shard.connect().get().toLine());
                    case "END" -> {
                        Set<Long> failed = new HashSet<>();
                        if (!p[4].equals("-")) {
                            for (String s : p[4].split(",")) {
                                failed.add(Long.parseLong(s));
                            }
                        }
                        out.println(shard.endPhase(Long.parseLong(p[1]), Long.parseLong(p[2]), failed,
                                Long.parseLong(p[3])).toLine());
                    }
                    case "QUIT" -> {
                        return;
                    }
                    default -> System.err.println("bench shard: unknown command " + l);
                }
                out.flush();
            }
        }
    }
}
