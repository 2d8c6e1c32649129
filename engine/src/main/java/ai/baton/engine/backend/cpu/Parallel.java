package ai.baton.engine.backend.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/** Parallel loops over index ranges on a fork-join pool, split into chunks of at least {@code grain} indices. */
final class Parallel {
    interface RangeBody { void run(int from, int to); }

    private final ForkJoinPool pool;

    Parallel(int threads) { this.pool = new ForkJoinPool(threads); }

    int threads() { return pool.getParallelism(); }

    void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.max(1, Math.min(pool.getParallelism() * 4, (n + grain - 1) / Math.max(1, grain)));
        if (chunks == 1) { body.run(0, n); return; }
        int step = (n + chunks - 1) / chunks;
        pool.invoke(new Split(body, 0, n, step));
    }

    void close() { pool.shutdown(); }

    private static final class Split extends RecursiveAction {
        private final RangeBody body;
        private final int from, to, step;

        Split(RangeBody body, int from, int to, int step) { this.body = body; this.from = from; this.to = to; this.step = step; }

        @Override protected void compute() {
            if (to - from <= step) { body.run(from, to); return; }
            int mid = from + ((to - from) / step / 2) * step;
            if (mid <= from) mid = from + step;
            invokeAll(new Split(body, from, mid, step), new Split(body, mid, to, step));
        }
    }
}
