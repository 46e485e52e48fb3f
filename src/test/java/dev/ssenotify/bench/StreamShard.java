package dev.ssenotify.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.HdrHistogram.Histogram;

/**
 * A share of the streams, all driven by one selector thread: opens them (bound to the given
 * source addresses, at most {@code MAX_PENDING} handshakes in flight), waits for each
 * {@code --ping--}, then records every notification frame: latency from the send time in its
 * nonce, and which sequence numbers each stream got, to count missing and duplicates.
 *
 * <p>Nonce: the generator publishes sequence number {@code s} to user {@code s % users} with
 * {@code messageBody = "bench <s> <scheduled send, System.nanoTime()>"}. nanoTime is
 * CLOCK_MONOTONIC on Linux, shared by every process of the machine, so a forked shard reads
 * the publisher's clock.
 */
final class StreamShard implements AutoCloseable {

    static final int MAX_PENDING = 1_000;
    private static final byte[] MARKER = "\"messageBody\":\"bench ".getBytes(StandardCharsets.US_ASCII);

    record Connected(int ready, int failures, long millis, String failureDetail) {
        String toLine() {
            return "READY " + ready + " " + failures + " " + millis + " " + failureDetail.replace(' ', '_');
        }

        static Connected fromLine(String l) {
            String[] p = l.split(" ");
            return new Connected(Integer.parseInt(p[1]), Integer.parseInt(p[2]), Long.parseLong(p[3]),
                    p.length > 4 ? p[4] : "");
        }
    }

    record PhaseResult(long expected, long received, long missing, long duplicates, long misrouted,
                       int dropped, Histogram latencyMicros) {
        String toLine() {
            ByteBuffer b = ByteBuffer.allocate(latencyMicros.getNeededByteBufferCapacity());
            int n = latencyMicros.encodeIntoCompressedByteBuffer(b);
            String hist = Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(b.array(), n));
            return "PHASE " + expected + " " + received + " " + missing + " " + duplicates + " " + misrouted + " "
                    + dropped + " " + hist;
        }

        static PhaseResult fromLine(String l) throws Exception {
            String[] p = l.split(" ");
            Histogram h = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(p[7])), 0);
            return new PhaseResult(Long.parseLong(p[1]), Long.parseLong(p[2]), Long.parseLong(p[3]),
                    Long.parseLong(p[4]), Long.parseLong(p[5]), Integer.parseInt(p[6]), h);
        }

        PhaseResult plus(PhaseResult o) {
            Histogram h = latencyMicros.copy();
            h.add(o.latencyMicros);
            return new PhaseResult(expected + o.expected, received + o.received, missing + o.missing,
                    duplicates + o.duplicates, misrouted + o.misrouted, dropped + o.dropped, h);
        }
    }

    static Histogram newHistogram() {
        return new Histogram(120_000_000L, 3);
    }

    private final InetSocketAddress server;
    private final List<InetAddress> sources;
    private final String path;
    private final BenchUsers users;
    private final int firstIndex;
    private final int count;
    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
    private final List<Stream> streams = new ArrayList<>();
    private volatile boolean running = true;

    // Owned by the selector thread.
    private int opened;
    private int pending;
    private int ready;
    private int failures;
    private final TreeMap<String, Integer> failureKinds = new TreeMap<>();
    private long connectStart;
    private CompletableFuture<Connected> connecting;
    private Histogram histogram = newHistogram();
    private long received;
    private long duplicates;
    private long misrouted;
    private int dropped;
    private long nowNanos;

    StreamShard(InetSocketAddress server, List<InetAddress> sources, String path, BenchUsers users,
                int firstIndex, int count) throws IOException {
        this.server = server;
        this.sources = sources;
        this.path = path;
        this.users = users;
        this.firstIndex = firstIndex;
        this.count = count;
        this.selector = Selector.open();
        this.thread = new Thread(this::loop, "bench-streams-" + firstIndex);
        thread.setDaemon(true);
        thread.start();
    }

    /** Opens every stream of this shard; completes when each has its ping or has failed. */
    CompletableFuture<Connected> connect() {
        CompletableFuture<Connected> f = new CompletableFuture<>();
        run(() -> {
            connecting = f;
            connectStart = System.nanoTime();
            openMore();
            checkConnected();
        });
        return f;
    }

    /**
     * Ends a publishing phase: seqs in [first, last) went to user {@code s % users}, except
     * {@code failed} (POSTs that did not answer 201). Waits until every stream has all its
     * rows or {@code drainMillis} passed, then counts and resets the phase.
     */
    PhaseResult endPhase(long first, long last, Set<Long> failed, long drainMillis) throws Exception {
        long deadline = System.nanoTime() + drainMillis * 1_000_000L;
        while (true) {
            CompletableFuture<long[]> f = new CompletableFuture<>();
            run(() -> f.complete(count(first, last, failed)));
            long[] c = f.get();
            if (c[1] == 0 || System.nanoTime() > deadline) {
                CompletableFuture<PhaseResult> r = new CompletableFuture<>();
                run(() -> {
                    long[] fin = count(first, last, failed);
                    r.complete(new PhaseResult(fin[0], received, fin[1], duplicates, misrouted, dropped, histogram));
                    histogram = newHistogram();
                    received = 0;
                    duplicates = 0;
                    misrouted = 0;
                });
                return r.get();
            }
            Thread.sleep(50);
        }
    }

    /** {expected, missing} over the open-at-start streams. */
    private long[] count(long first, long last, Set<Long> failed) {
        long expected = 0;
        long missing = 0;
        int u = users.count();
        for (Stream s : streams) {
            if (!s.ready) {
                continue;
            }
            long start = first + Math.floorMod(s.user - first, u);
            for (long seq = start; seq < last; seq += u) {
                if (failed.contains(seq)) {
                    continue;
                }
                expected++;
                if (!s.got.get((int) (seq / u))) {
                    missing++;
                }
            }
        }
        return new long[] {expected, missing};
    }

    private void run(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    private void loop() {
        try {
            while (running) {
                selector.select(200);
                nowNanos = System.nanoTime();
                for (Runnable t = tasks.poll(); t != null; t = tasks.poll()) {
                    t.run();
                }
                Set<SelectionKey> keys = selector.selectedKeys();
                for (Iterator<SelectionKey> it = keys.iterator(); it.hasNext(); ) {
                    SelectionKey k = it.next();
                    it.remove();
                    Stream s = (Stream) k.attachment();
                    try {
                        if (!k.isValid()) {
                            continue;
                        }
                        if (k.isConnectable()) {
                            s.channel.finishConnect();
                            s.channel.write(ByteBuffer.wrap(s.request()));
                            k.interestOps(SelectionKey.OP_READ);
                        } else if (k.isReadable()) {
                            readFrom(s);
                        }
                    } catch (IOException | RuntimeException e) {
                        lost(s, e.getClass().getSimpleName());
                    }
                }
                if (connecting != null) {
                    openMore();
                    checkConnected();
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void openMore() {
        while (opened < count && pending < MAX_PENDING) {
            int index = firstIndex + opened++;
            Stream s = new Stream(index, users.userOfStream(index));
            streams.add(s);
            pending++;
            try {
                SocketChannel ch = SocketChannel.open();
                s.channel = ch;
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024);
                ch.bind(new InetSocketAddress(sources.get(index % sources.size()), 0));
                if (ch.connect(server)) {
                    ch.write(ByteBuffer.wrap(s.request()));
                    ch.register(selector, SelectionKey.OP_READ, s);
                } else {
                    ch.register(selector, SelectionKey.OP_CONNECT, s);
                }
            } catch (IOException | RuntimeException e) {
                lost(s, e.getClass().getSimpleName());
            }
        }
    }

    private void checkConnected() {
        if (connecting != null && opened == count && pending == 0) {
            long ms = (System.nanoTime() - connectStart) / 1_000_000;
            StringBuilder detail = new StringBuilder();
            failureKinds.forEach((k, v) -> detail.append(detail.length() == 0 ? "" : ",").append(k).append('=').append(v));
            connecting.complete(new Connected(ready, failures, ms, detail.toString()));
            connecting = null;
        }
    }

    private void readFrom(Stream s) throws IOException {
        while (true) {
            readBuffer.clear();
            int n = s.channel.read(readBuffer);
            if (n < 0) {
                lost(s, s.ready ? "eof" : "eof-before-ping-status-" + s.status);
                return;
            }
            if (n == 0) {
                return;
            }
            readBuffer.flip();
            s.feed(readBuffer);
            if (s.dead) {
                return;
            }
            if (n < readBuffer.capacity()) {
                return;
            }
        }
    }

    private void lost(Stream s, String why) {
        if (s.dead) {
            return;
        }
        s.dead = true;
        try {
            if (s.channel != null) {
                s.channel.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        if (s.ready) {
            dropped++;
            s.ready = false;
        } else {
            pending--;
            failures++;
            failureKinds.merge(why, 1, Integer::sum);
        }
    }

    private void onData(Stream s, byte[] line, int len) {
        if (!s.ready) {
            if (len == 8 && new String(line, 0, len, StandardCharsets.US_ASCII).equals("--ping--")) {
                s.ready = true;
                ready++;
                pending--;
            }
            return;
        }
        int at = indexOf(line, len, MARKER);
        if (at < 0) {
            return;
        }
        int i = at + MARKER.length;
        long seq = 0;
        while (line[i] != ' ') {
            seq = seq * 10 + (line[i++] - '0');
        }
        i++;
        long sent = 0;
        while (line[i] >= '0' && line[i] <= '9') {
            sent = sent * 10 + (line[i++] - '0');
        }
        int u = users.count();
        if (seq % u != s.user) {
            misrouted++;
            return;
        }
        received++;
        int bit = (int) (seq / u);
        if (s.got.get(bit)) {
            duplicates++;
            return;
        }
        s.got.set(bit);
        histogram.recordValue(Math.max(0, Math.min((nowNanos - sent) / 1_000, histogram.getHighestTrackableValue())));
    }

    private static int indexOf(byte[] a, int len, byte[] m) {
        outer:
        for (int i = 0; i + m.length <= len; i++) {
            for (int j = 0; j < m.length; j++) {
                if (a[i + j] != m[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() {
        running = false;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Stream s : streams) {
            try {
                if (s.channel != null) {
                    s.channel.close();
                }
            } catch (IOException ignored) {
                // best effort
            }
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** One stream: HTTP decoding, then SSE lines; only {@code data:} lines matter here. */
    private final class Stream extends HttpDecoder {
        final int index;
        final int user;
        final BitSet got = new BitSet();
        SocketChannel channel;
        boolean ready;
        boolean dead;
        private byte[] line = new byte[128];
        private int lineLen;

        Stream(int index, int user) {
            this.index = index;
            this.user = user;
        }

        byte[] request() {
            return ("GET " + path + " HTTP/1.1\r\nHost: " + server.getHostString() + ":" + server.getPort()
                    + "\r\nAccept: text/event-stream\r\nAuthorization: " + users.basic(user) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        protected void onHeaders() {
            if (status != 200) {
                lost(this, "status-" + status);
            }
        }

        @Override
        protected void onBody(byte[] buf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    if (lineLen > 6 && line[0] == 'd' && line[1] == 'a' && line[2] == 't' && line[3] == 'a'
                            && line[4] == ':' && line[5] == ' ') {
                        System.arraycopy(line, 6, line, 0, lineLen - 6);
                        onData(this, line, lineLen - 6);
                    }
                    lineLen = 0;
                } else {
                    if (lineLen == line.length) {
                        line = java.util.Arrays.copyOf(line, line.length * 2);
                    }
                    line[lineLen++] = b;
                }
            }
        }

        @Override
        protected void onMessageEnd() {
            lost(this, "stream-ended");
        }
    }
}
