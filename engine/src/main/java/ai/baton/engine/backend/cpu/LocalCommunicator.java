package ai.baton.engine.backend.cpu;

import ai.baton.engine.backend.Communicator;
import ai.baton.engine.backend.Tensor;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * All-reduce between tensor-parallel ranks that are threads of one process (CPU tensor parallelism). Each rank sums
 * its share of the elements over all ranks in rank order (so every rank gets bit-identical results), then copies
 * the sums back.
 */
public final class LocalCommunicator implements Communicator {
    /** State shared by the ranks of one group. */
    public static final class Group {
        private final int size;
        private final CyclicBarrier barrier;
        private final float[][] inputs;
        private float[] result = new float[0];

        public Group(int size) {
            this.size = size;
            this.barrier = new CyclicBarrier(size);
            this.inputs = new float[size][];
        }

        public Communicator rank(int r) { return new LocalCommunicator(this, r); }

        public void breakGroup() { barrier.reset(); }
    }

    private final Group g;
    private final int rank;

    private LocalCommunicator(Group g, int rank) {
        this.g = g;
        this.rank = rank;
    }

    @Override public int rank() { return rank; }

    @Override public int worldSize() { return g.size; }

    @Override
    public void allReduce(Tensor x) {
        CpuTensor t = (CpuTensor) x;
        int n = t.rows() * t.cols();
        g.inputs[rank] = t.data();
        if (rank == 0 && g.result.length < n) g.result = new float[n];
        await();
        int chunk = (n + g.size - 1) / g.size, from = Math.min(n, rank * chunk), to = Math.min(n, from + chunk);
        float[] res = g.result;
        for (int i = from; i < to; i++) {
            float s = 0;
            for (int r = 0; r < g.size; r++) s += g.inputs[r][i];
            res[i] = s;
        }
        await();
        System.arraycopy(res, 0, t.data(), 0, n);
        await();
    }

    private void await() {
        try {
            g.barrier.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("tensor-parallel all-reduce interrupted", e);
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException("a tensor-parallel rank failed", e);
        }
    }
}
