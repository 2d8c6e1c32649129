package ai.baton.engine.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Parallel loops over index ranges, split into chunks of at least {@code grain} indices: the calling thread and
 * {@code threads - 1} helper threads take chunks from a shared counter until none are left.
 *
 * <p>Helpers spin for a short while after each loop before they park. A decode step runs a few hundred loops of tens
 * of microseconds each, and waking a parked thread (a futex call on each side) costs about as much as one of them: with
 * a fork-join pool, a one-token step of qwen3-0.6b spent about 40% of its time with the cores idle between loops. The
 * caller also works instead of blocking, so {@code threads} threads run, not {@code threads + 1}.
 */
final class Parallel {
    interface RangeBody { void run(int from, int to); }

    /** How long an idle helper spins for the next loop before it parks (microseconds). */
    private static final long SPIN_NANOS = 1000L * Long.getLong("baton.cpu.spinMicros", 100);

    private final int threads;
    private final Helper[] helpers;
    /** One loop at a time; a loop started from inside a loop's body runs in the calling thread. */
    private final ReentrantLock running = new ReentrantLock();
    private volatile Loop current;
    private volatile boolean closed;

    Parallel(int threads) {
        this.threads = Math.max(1, threads);
        helpers = new Helper[this.threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Helper(i);
            helpers[i].start();
        }
    }

    int threads() { return threads; }

    void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.max(1, Math.min(threads * 4, (n + grain - 1) / Math.max(1, grain)));
        if (chunks == 1 || helpers.length == 0 || running.isHeldByCurrentThread() || Thread.currentThread() instanceof Helper) {
            body.run(0, n);
            return;
        }
        running.lock();
        try {
            Loop loop = new Loop(body, n, (n + chunks - 1) / chunks);
            current = loop;
            for (Helper h : helpers) if (h.parked) LockSupport.unpark(h);
            loop.work();
            while (loop.done.get() < loop.chunks) Thread.onSpinWait();
            current = null;
            loop.rethrow();
        } finally {
            running.unlock();
        }
    }

    void close() {
        closed = true;
        for (Helper h : helpers) LockSupport.unpark(h);
    }

    /** One call of {@link #forRange}: chunks handed out by a counter, and a count of those finished. */
    private static final class Loop {
        final RangeBody body;
        final int n, step, chunks;
        final AtomicInteger next = new AtomicInteger(), done = new AtomicInteger();
        volatile Throwable failure;

        Loop(RangeBody body, int n, int step) {
            this.body = body;
            this.n = n;
            this.step = step;
            this.chunks = (n + step - 1) / step;
        }

        void work() {
            for (int c; (c = next.getAndIncrement()) < chunks; ) {
                try {
                    int from = c * step;
                    body.run(from, Math.min(n, from + step));
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    done.incrementAndGet();
                }
            }
        }

        void rethrow() {
            Throwable t = failure;
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        }
    }

    private final class Helper extends Thread {
        volatile boolean parked;

        Helper(int i) {
            super("baton-cpu-" + i);
            setDaemon(true);
        }

        @Override public void run() {
            Loop last = null;
            while (!closed) {
                Loop loop = awaitLoop(last);
                if (loop == null) continue;
                loop.work();
                last = loop;
            }
        }

        /** The next loop other than {@code last}: spins for {@link #SPIN_NANOS}, then parks until one is published. */
        private Loop awaitLoop(Loop last) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (true) {
                Loop loop = current;
                if (loop != null && loop != last) return loop;
                if (closed) return null;
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                loop = current;
                if (loop == null || loop == last) LockSupport.park(this);
                parked = false;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
        }
    }
}
