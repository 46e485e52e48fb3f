package dev.ssenotify.threads;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads named {@code sse-notify-...}, so a thread dump, Tomcat's leak check and the
 * shutdown tests can tell ours apart. Every executor the app starts is built on this.
 */
public final class NamedThreads {

    private NamedThreads() {
    }

    /** One thread, named exactly {@code name}. */
    public static ThreadFactory single(String name) {
        return r -> daemon(r, name);
    }

    /** Threads named {@code prefix1}, {@code prefix2}, ... */
    public static ThreadFactory numbered(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> daemon(r, prefix + n.incrementAndGet());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
