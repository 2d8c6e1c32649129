package ai.baton.engine.backend.cpu;

import ai.baton.engine.backend.Backend;
import ai.baton.engine.backend.BatchContext;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;
import ai.baton.engine.backend.Tensor;
import ai.baton.engine.weights.DType;
import ai.baton.engine.weights.TensorData;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** The pure-Java backend: Vector API kernels, multi-threaded, fp32 math on bf16 / fp16 / fp32 weights. */
public final class CpuBackend implements Backend {
    private final Parallel parallel;
    private final Matmul matmul;
    private final Norms norms;
    private final PagedAttention attention;
    private final Arena arena = Arena.ofShared();
    /** Small weights (norms, biases) widened once, by identity of their handle. */
    private final Map<CpuWeight, float[]> widened = new IdentityHashMap<>();

    public CpuBackend(int threads) {
        parallel = new Parallel(Math.max(1, threads));
        matmul = new Matmul(parallel);
        norms = new Norms(parallel);
        attention = new PagedAttention(parallel);
    }

    public CpuBackend() { this(Runtime.getRuntime().availableProcessors()); }

    @Override public String name() { return "cpu"; }

    @Override
    public Tensor loadWeight(List<WeightSlice> parts) {
        if (parts.size() == 1) {
            WeightSlice p = parts.getFirst();
            TensorData t = p.tensor();
            if (p.rowFrom() == 0 && p.rowTo() == t.rows() && p.colFrom() == 0 && p.colTo() == t.cols())
                return new CpuWeight(t.data(), t.dtype(), t.rows(), t.cols()); // zero-copy view of the mapped file
        }
        DType dtype = parts.getFirst().tensor().dtype();
        int cols = parts.getFirst().colCount(), rows = 0;
        for (WeightSlice p : parts) {
            if (p.tensor().dtype() != dtype || p.colCount() != cols)
                throw new IllegalArgumentException("cannot fuse " + p.tensor().name() + ": dtype or width differs");
            rows += p.rowCount();
        }
        MemorySegment seg = arena.allocate((long) rows * cols * dtype.bytes, 64);
        long at = 0;
        for (WeightSlice p : parts) {
            TensorData t = p.tensor();
            long rowBytes = (long) p.colCount() * dtype.bytes;
            for (int r = p.rowFrom(); r < p.rowTo(); r++) {
                long src = ((long) r * t.cols() + p.colFrom()) * dtype.bytes;
                MemorySegment.copy(t.data(), src, seg, at, rowBytes);
                at += rowBytes;
            }
        }
        return new CpuWeight(seg, dtype, rows, cols);
    }

    @Override public Tensor allocate(int rows, int cols) { return new CpuTensor(new float[Math.max(1, rows * cols)], rows, cols); }

    @Override
    public Tensor view(Tensor t, int rows) {
        CpuTensor c = (CpuTensor) t;
        return new CpuTensor(c.data(), rows, c.cols());
    }

    @Override public KvCacheStorage allocateKvCache(KvLayout layout) { return new CpuKvCache(layout); }

    @Override public BatchContext prepare(ForwardBatch batch, float[] invFreq) { return new CpuBatch(batch, invFreq); }

    @Override
    public void embedding(BatchContext b, Tensor table, Tensor out) {
        CpuWeight w = (CpuWeight) table;
        CpuTensor o = (CpuTensor) out;
        int[] tokens = b.batch().tokens();
        int h = w.cols();
        parallel.forRange(tokens.length, 16, (from, to) -> {
            float[] row = new float[h];
            for (int t = from; t < to; t++) {
                int id = tokens[t];
                if (id < 0 || id >= w.rows()) throw new IllegalArgumentException("token id " + id + " outside vocabulary of " + w.rows());
                Widen.row(w.data(), w.dtype(), w.rowOffsetBytes(id), row, h);
                System.arraycopy(row, 0, o.data(), t * h, h);
            }
        });
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor out) {
        norms.rmsNorm((CpuTensor) x, small(weight), eps, (CpuTensor) out);
    }

    @Override
    public void addRmsNorm(Tensor x, Tensor residual, Tensor weight, float eps, Tensor out) {
        norms.addRmsNorm((CpuTensor) x, (CpuTensor) residual, small(weight), eps, (CpuTensor) out);
    }

    @Override
    public void linear(Tensor x, Tensor w, Tensor bias, Tensor out) {
        matmul.linear((CpuTensor) x, (CpuWeight) w, (CpuWeight) bias, (CpuTensor) out);
    }

    @Override
    public void qkNorm(Tensor qkv, int qHeads, int kvHeads, int headDim, Tensor qWeight, Tensor kWeight, float eps) {
        norms.qkNorm((CpuTensor) qkv, qHeads, kvHeads, headDim, small(qWeight), small(kWeight), eps);
    }

    @Override
    public void ropeAndStore(BatchContext b, Tensor qkv, int qHeads, int kvHeads, int headDim, KvCacheStorage kv, int layer) {
        attention.ropeAndStore((CpuBatch) b, (CpuTensor) qkv, qHeads, kvHeads, headDim, (CpuKvCache) kv, layer);
    }

    @Override
    public void attention(BatchContext b, Tensor qkv, int qHeads, int kvHeads, int headDim, KvCacheStorage kv, int layer, Tensor out) {
        attention.attention((CpuBatch) b, (CpuTensor) qkv, qHeads, kvHeads, headDim, (CpuKvCache) kv, layer, (CpuTensor) out);
    }

    @Override
    public void siluMul(Tensor gateUp, Tensor out) {
        CpuTensor g = (CpuTensor) gateUp, o = (CpuTensor) out;
        int ff = o.cols();
        parallel.forRange(g.rows(), 4, (from, to) -> {
            for (int t = from; t < to; t++) {
                int gi = t * 2 * ff, oi = t * ff;
                for (int i = 0; i < ff; i++) {
                    float x = g.data()[gi + i];
                    float silu = x / (1f + (float) Math.exp(-x));
                    o.data()[oi + i] = silu * g.data()[gi + ff + i];
                }
            }
        });
    }

    @Override
    public void gatherRows(BatchContext b, Tensor x, Tensor out) {
        CpuTensor xs = (CpuTensor) x, o = (CpuTensor) out;
        int[] rows = b.batch().logitRows();
        for (int i = 0; i < rows.length; i++)
            System.arraycopy(xs.data(), rows[i] * xs.cols(), o.data(), i * xs.cols(), xs.cols());
    }

    @Override
    public float[] toHost(Tensor t) {
        CpuTensor c = (CpuTensor) t;
        return java.util.Arrays.copyOf(c.data(), c.rows() * c.cols());
    }

    private float[] small(Tensor w) {
        synchronized (widened) {
            return widened.computeIfAbsent((CpuWeight) w, Matmul::widenAll);
        }
    }

    /** Threads this backend computes with. */
    public int threads() { return parallel.threads(); }

    @Override
    public void close() {
        parallel.close();
        arena.close();
    }
}
