package ai.baton.engine.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The loop runner: every index once, across helper threads, with failures, nesting and concurrent callers. */
class ParallelTest {
    @Test
    void everyIndexRunsExactlyOnceForManyShortLoops() {
        Parallel p = new Parallel(3);
        try {
            for (int n : new int[] {1, 2, 7, 64, 1000, 4097}) {
                for (int grain : new int[] {1, 4, 16}) {
                    for (int round = 0; round < 50; round++) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(n);
                        p.forRange(n, grain, (from, to) -> {
                            for (int i = from; i < to; i++) hits.incrementAndGet(i);
                        });
                        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "n " + n + " grain " + grain + " index " + i);
                    }
                }
            }
        } finally {
            p.close();
        }
    }

    @Test
    void aFailureInAChunkReachesTheCallerAfterTheLoopEnds() {
        Parallel p = new Parallel(2);
        try {
            IllegalStateException boom = new IllegalStateException("boom");
            AtomicIntegerArray hits = new AtomicIntegerArray(100);
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> p.forRange(100, 1, (from, to) -> {
                for (int i = from; i < to; i++) hits.incrementAndGet(i);
                if (from == 0) throw boom;
            }));
            assertSame(boom, thrown);
            for (int i = 0; i < 100; i++) assertEquals(1, hits.get(i), "every other chunk still ran");
            // The runner is still usable.
            AtomicIntegerArray again = new AtomicIntegerArray(10);
            p.forRange(10, 1, (from, to) -> { for (int i = from; i < to; i++) again.incrementAndGet(i); });
            for (int i = 0; i < 10; i++) assertEquals(1, again.get(i));
        } finally {
            p.close();
        }
    }

    @Test
    void aLoopInsideALoopRunsInline() {
        Parallel p = new Parallel(2);
        try {
            AtomicIntegerArray hits = new AtomicIntegerArray(64 * 64);
            p.forRange(64, 1, (from, to) -> {
                for (int i = from; i < to; i++) {
                    int row = i;
                    p.forRange(64, 1, (f, t) -> { for (int j = f; j < t; j++) hits.incrementAndGet(row * 64 + j); });
                }
            });
            for (int i = 0; i < 64 * 64; i++) assertEquals(1, hits.get(i));
        } finally {
            p.close();
        }
    }

    @Test
    void callersOnSeveralThreadsEachGetTheirWholeLoop() throws Exception {
        Parallel p = new Parallel(2);
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            Future<?>[] done = new Future<?>[3];
            for (int c = 0; c < 3; c++) {
                done[c] = callers.submit(() -> {
                    for (int round = 0; round < 200; round++) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(500);
                        p.forRange(500, 8, (from, to) -> { for (int i = from; i < to; i++) hits.incrementAndGet(i); });
                        for (int i = 0; i < 500; i++) assertEquals(1, hits.get(i));
                    }
                    return null;
                });
            }
            for (Future<?> f : done) f.get();
        } finally {
            callers.shutdownNow();
            p.close();
        }
    }
}
