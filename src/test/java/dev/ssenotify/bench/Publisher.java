package dev.ssenotify.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Open-loop publisher: notification {@code i} of a phase is due at {@code start + i / rate},
 * whatever happened to the earlier ones, and is sent over one of a pool of keep-alive HTTP/1.1
 * connections (one request in flight per connection, no pipelining). When every connection is
 * busy, due notifications wait in a backlog; their nonce still carries the scheduled time, so
 * that wait counts as latency (no coordinated omission).
 *
 * <p>Batch mode ({@code batchSize > 1}): the phase's notifications are shuffled (so each batch
 * goes to random users) and cut into batches of {@code batchSize}; batch {@code k} is due at
 * {@code start + k * batchSize / rate} and is one {@code POST} of {@code {"notifications":[...]}}
 * to {@code batchPath}. Every item's nonce carries its batch's scheduled send time, so latency
 * is measured per notification exactly as for single publishes; {@code rate} stays in
 * notifications per second.
 */
final class Publisher implements AutoCloseable {

    record Result(long sent, long ok, Set<Long> failed, String failures, double achievedRate, Histogram postMicros,
                  Histogram sendLagMicros) {
    }

    /** The nodes: connection k goes to node k mod n, so publishes spread evenly over them. */
    private final java.util.List<InetSocketAddress> servers;
    private int opened;
    private final String auth;
    private final BenchUsers users;
    private final int connections;
    private final Selector selector;
    private final Conn[] pool;
    /** 0 or 1: one notification per POST; more: that many per batch POST to {@link #batchPath}. */
    private final int batchSize;
    private final String batchPath;
    /** Batch mode: shuffle the phase (random users per batch) or keep seq order (consecutive users). */
    private final boolean shuffle;
    /** The current phase's shuffled order in batch mode: position p publishes seq firstSeq + order[p]. */
    private int[] order;

    Publisher(java.util.List<InetSocketAddress> servers, String publisher, String password, BenchUsers users, int connections)
            throws IOException {
        this(servers, publisher, password, users, connections, 0, "", true);
    }

    Publisher(java.util.List<InetSocketAddress> servers, String publisher, String password, BenchUsers users, int connections,
              int batchSize, String batchPath, boolean shuffle) throws IOException {
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.batchPath = batchPath;
        this.servers = servers;
        this.auth = "Basic " + Base64.getEncoder().encodeToString((publisher + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.users = users;
        this.connections = connections;
        this.selector = Selector.open();
        this.pool = new Conn[connections];
    }

    /** Publishes seqs [firstSeq, firstSeq + count) at {@code rate} per second and waits for every answer. */
    Result run(long firstSeq, long count, double rate) throws IOException {
        ArrayDeque<Conn> idle = new ArrayDeque<>();
        // Fresh connections each phase: an idle one may have met the server's idle timeout.
        for (int i = 0; i < connections; i++) {
            if (pool[i] != null) {
                pool[i].channel.close();
            }
            pool[i] = new Conn();
            idle.add(pool[i]);
        }
        Set<Long> failed = ConcurrentHashMap.newKeySet();
        TreeMap<String, Integer> failures = new TreeMap<>();
        Histogram post = StreamShard.newHistogram();
        Histogram lag = StreamShard.newHistogram();
        ArrayDeque<long[]> backlog = new ArrayDeque<>();
        java.util.List<Conn> settle = new java.util.ArrayList<>();
        // A job is one request: one notification, or one batch of up to batchSize.
        boolean batched = batchSize > 1;
        int perRequest = batched ? batchSize : 1;
        long requests = batched ? (count + batchSize - 1) / batchSize : count;
        if (batched) {
            order = shuffle ? shuffled(count, firstSeq) : java.util.stream.IntStream.range(0, (int) count).toArray();
        }
        double intervalNanos = 1e9 / rate * perRequest;
        long start = System.nanoTime() + 1_000_000;
        long next = 0;
        long done = 0;
        long ok = 0;
        long lastSent = start;
        while (done < requests) {
            long now = System.nanoTime();
            while (next < requests && start + (long) (next * intervalNanos) <= now) {
                backlog.add(new long[] {firstSeq + next, start + (long) (next * intervalNanos)});
                next++;
            }
            while (!backlog.isEmpty() && !idle.isEmpty()) {
                long[] job = backlog.poll();
                Conn c = idle.poll();
                lag.recordValue(Math.min(Math.max(0, (System.nanoTime() - job[1]) / 1_000), lag.getHighestTrackableValue()));
                try {
                    if (batched) {
                        c.sendBatch(firstSeq, job[0] - firstSeq, count, job[1]);
                    } else {
                        c.send(job[0], job[1]);
                    }
                } catch (IOException e) {
                    c.broken();
                    settle.add(c);
                }
                lastSent = System.nanoTime();
            }
            long waitNanos = next < requests ? start + (long) (next * intervalNanos) - System.nanoTime() : 50_000_000;
            if (waitNanos > 200_000) {
                selector.select(Math.max(1, waitNanos / 1_000_000));
            } else if (waitNanos > 0) {
                selector.selectNow();
                LockSupport.parkNanos(Math.min(waitNanos, 50_000));
            } else {
                selector.selectNow();
            }
            Set<SelectionKey> keys = selector.selectedKeys();
            for (Iterator<SelectionKey> it = keys.iterator(); it.hasNext(); ) {
                SelectionKey k = it.next();
                it.remove();
                Conn c = (Conn) k.attachment();
                try {
                    if (k.isValid() && k.isConnectable()) {
                        c.channel.finishConnect();
                        k.interestOps(SelectionKey.OP_READ);
                        c.flushPending();
                    } else {
                        if (k.isValid() && k.isWritable()) {
                            c.flushPending();
                        }
                        if (k.isValid() && k.isReadable()) {
                            c.read();
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    if (c.inFlight) {
                        c.broken();
                        settle.add(c);
                    } else {
                        c.channel.close();
                        idle.remove(c);
                        Conn fresh = new Conn();
                        pool[indexOf(c)] = fresh;
                        idle.add(fresh);
                    }
                }
                if (c.finished && !settle.contains(c)) {
                    settle.add(c);
                }
            }
            for (Conn c : settle) {
                {
                    c.finished = false;
                    c.inFlight = false;
                    done++;
                    int n = c.batch == null ? 1 : c.batchLen;
                    if (c.status == 201) {
                        ok += n;
                        post.recordValue(Math.min((System.nanoTime() - c.sentAt) / 1_000, post.getHighestTrackableValue()));
                    } else if (c.batch == null) {
                        failed.add(c.seq);
                        failures.merge("status-" + c.status, 1, Integer::sum);
                    } else {
                        for (int i = 0; i < c.batchLen; i++) {
                            failed.add(c.batch[i]);
                        }
                        failures.merge("status-" + c.status, n, Integer::sum);
                    }
                    if (c.channel.isOpen()) {
                        idle.add(c);
                    } else {
                        Conn fresh = new Conn();
                        pool[indexOf(c)] = fresh;
                        idle.add(fresh);
                    }
                }
            }
            settle.clear();
        }
        double seconds = (lastSent - start) / 1e9;
        // Notifications per second: all but the last request's went out between the first send and the last.
        long lastLen = count - (requests - 1) * perRequest;
        double achieved = requests <= 1 || seconds <= 0 ? count : (count - lastLen) / seconds;
        StringBuilder f = new StringBuilder();
        failures.forEach((k, v) -> f.append(f.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return new Result(count, ok, failed, f.toString(), achieved, post, lag);
    }

    /** 0..count-1 in an order fixed by the seed (Fisher-Yates), so batches go to random users. */
    static int[] shuffled(long count, long seed) {
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a batch phase holds at most " + Integer.MAX_VALUE + " notifications, got " + count);
        }
        int[] a = new int[(int) count];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    private int indexOf(Conn c) {
        for (int i = 0; i < pool.length; i++) {
            if (pool[i] == c) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        for (Conn c : pool) {
            if (c != null) {
                c.channel.close();
            }
        }
        selector.close();
    }

    private final class Conn extends HttpDecoder {
        final InetSocketAddress server = servers.get(opened++ % servers.size());
        final SocketChannel channel;
        final ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        ByteBuffer pendingRequest;
        long seq;
        /** Batch mode: the seqs of the batch in flight (first batchLen entries); null for single publishes. */
        long[] batch;
        int batchLen;
        long sentAt;
        boolean finished;
        boolean inFlight;

        Conn() throws IOException {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (channel.connect(server)) {
                channel.register(selector, SelectionKey.OP_READ, this);
            } else {
                channel.register(selector, SelectionKey.OP_CONNECT, this);
            }
        }

        void send(long seq, long scheduledNanos) throws IOException {
            this.seq = seq;
            this.status = 0;
            this.inFlight = true;
            String body = "{\"userEmail\":\"" + users.name((int) (seq % users.count()))
                    + "\",\"type\":\"bench\",\"messageBody\":\"bench " + seq + " " + scheduledNanos + "\"}";
            byte[] b = body.getBytes(StandardCharsets.US_ASCII);
            String head = "POST /api/v1/notifications HTTP/1.1\r\nHost: " + server.getHostString() + ":" + server.getPort()
                    + "\r\nAuthorization: " + auth + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                    + "\r\n\r\n";
            ByteBuffer req = ByteBuffer.allocate(head.length() + b.length);
            req.put(head.getBytes(StandardCharsets.US_ASCII)).put(b).flip();
            sentAt = System.nanoTime();
            pendingRequest = req;
            if (channel.isConnected()) {
                flushPending();
            }
        }

        /**
         * Batch {@code k = pos / batchSize} of the phase: positions [pos, pos + batchSize) of the
         * shuffled order, seq {@code firstSeq + order[p]} to user {@code seq % users}, each nonce
         * with the batch's scheduled send time.
         */
        void sendBatch(long firstSeq, long requestIndex, long count, long scheduledNanos) throws IOException {
            int from = (int) (requestIndex * batchSize);
            int len = (int) Math.min(batchSize, count - from);
            if (batch == null) {
                batch = new long[batchSize];
            }
            batchLen = len;
            this.status = 0;
            this.inFlight = true;
            StringBuilder body = new StringBuilder(len * 96 + 32).append("{\"notifications\":[");
            for (int i = 0; i < len; i++) {
                long s = firstSeq + order[from + i];
                batch[i] = s;
                body.append(i == 0 ? "" : ",").append("{\"userEmail\":\"").append(users.name((int) (s % users.count())))
                        .append("\",\"type\":\"bench\",\"messageBody\":\"bench ").append(s).append(' ')
                        .append(scheduledNanos).append("\"}");
            }
            body.append("]}");
            byte[] b = body.toString().getBytes(StandardCharsets.US_ASCII);
            String head = "POST " + batchPath + " HTTP/1.1\r\nHost: " + server.getHostString() + ":" + server.getPort()
                    + "\r\nAuthorization: " + auth + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                    + "\r\n\r\n";
            ByteBuffer req = ByteBuffer.allocate(head.length() + b.length);
            req.put(head.getBytes(StandardCharsets.US_ASCII)).put(b).flip();
            sentAt = System.nanoTime();
            pendingRequest = req;
            if (channel.isConnected()) {
                flushPending();
            }
        }

        /** Writes what the socket takes; the rest goes out when the selector says it is writable. */
        void flushPending() throws IOException {
            if (pendingRequest == null) {
                return;
            }
            while (pendingRequest.hasRemaining()) {
                if (channel.write(pendingRequest) == 0) {
                    // A large batch can exceed the socket's send buffer: wait for room, not an error.
                    SelectionKey k = channel.keyFor(selector);
                    k.interestOps(k.interestOps() | SelectionKey.OP_WRITE);
                    return;
                }
            }
            pendingRequest = null;
            SelectionKey k = channel.keyFor(selector);
            if (k != null && (k.interestOps() & SelectionKey.OP_WRITE) != 0) {
                k.interestOps(SelectionKey.OP_READ);
            }
        }

        void read() throws IOException {
            in.clear();
            int n = channel.read(in);
            if (n < 0) {
                throw new IOException("server closed the publisher connection");
            }
            in.flip();
            feed(in);
        }

        void broken() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // replaced below
            }
            status = -1;
            finished = true;
        }

        @Override
        protected void onBody(byte[] buf, int off, int len) {
            // the row JSON; the stream frames carry what is measured
        }

        @Override
        protected void onMessageEnd() {
            finished = true;
        }
    }
}
