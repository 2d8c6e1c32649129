package ai.baton.engine.backend.cpu;

import ai.baton.engine.backend.ForwardBatch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Rotary embedding, the write of new keys/values into the paged cache, and causal attention that reads every
 * sequence's keys/values back through its block table. A token attends to positions 0..its own, so chunked prefill
 * and decode read the same cached values a one-shot prefill would.
 */
final class PagedAttention {
    private static final VectorSpecies<Float> F = Widen.F;
    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final Parallel parallel;
    private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[4096]);

    PagedAttention(Parallel parallel) { this.parallel = parallel; }

    void ropeAndStore(CpuBatch b, CpuTensor qkv, int qHeads, int kvHeads, int headDim, CpuKvCache kv, int layer) {
        ForwardBatch fb = b.batch();
        int cols = qkv.cols(), half = headDim / 2, bs = kv.layout().blockSize();
        float[] d = qkv.data(), cos = b.cos, sin = b.sin;
        MemorySegment ks = kv.keys(layer), vs = kv.values(layer);
        parallel.forRange(qkv.rows(), 4, (from, to) -> {
            for (int t = from; t < to; t++) {
                int base = t * cols, ro = t * half;
                for (int h = 0; h < qHeads + kvHeads; h++) rotate(d, base + h * headDim, cos, sin, ro, half);
                int slot = fb.slots()[t], block = slot / bs, inBlock = slot % bs;
                int kBase = base + qHeads * headDim, vBase = kBase + kvHeads * headDim;
                for (int h = 0; h < kvHeads; h++) {
                    long at = kv.index(block, h, inBlock) * 4;
                    MemorySegment.copy(d, kBase + h * headDim, ks, FL, at, headDim);
                    MemorySegment.copy(d, vBase + h * headDim, vs, FL, at, headDim);
                }
            }
        });
    }

    private static void rotate(float[] x, int o, float[] cos, float[] sin, int ro, int half) {
        for (int i = 0; i < half; i++) {
            float x1 = x[o + i], x2 = x[o + i + half], c = cos[ro + i], s = sin[ro + i];
            x[o + i] = x1 * c - x2 * s;
            x[o + i + half] = x2 * c + x1 * s;
        }
    }

    void attention(CpuBatch b, CpuTensor qkv, int qHeads, int kvHeads, int headDim, CpuKvCache kv, int layer, CpuTensor out) {
        ForwardBatch fb = b.batch();
        int cols = qkv.cols(), group = qHeads / kvHeads, bs = kv.layout().blockSize();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] d = qkv.data(), o = out.data();
        MemorySegment ks = kv.keys(layer), vs = kv.values(layer);
        int work = qkv.rows() * qHeads;
        parallel.forRange(work, 4, (from, to) -> {
            float[] acc = new float[headDim];
            for (int w = from; w < to; w++) {
                int t = w / qHeads, h = w % qHeads, kvh = h / group;
                int seq = b.sequenceOfToken[t];
                int[] table = fb.blockTables()[seq];
                int len = fb.positions()[t] + 1;
                float[] s = scoresScratch(len);
                int qo = t * cols + h * headDim;
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < len; j++) {
                    long at = kv.index(table[j / bs], kvh, j % bs) * 4;
                    float v = dot(d, qo, ks, at, headDim) * scale;
                    s[j] = v;
                    if (v > max) max = v;
                }
                float sum = 0;
                for (int j = 0; j < len; j++) {
                    s[j] = (float) Math.exp(s[j] - max);
                    sum += s[j];
                }
                java.util.Arrays.fill(acc, 0f);
                for (int j = 0; j < len; j++) {
                    float p = s[j] / sum;
                    long at = kv.index(table[j / bs], kvh, j % bs) * 4;
                    axpy(p, vs, at, acc, headDim);
                }
                System.arraycopy(acc, 0, o, t * qHeads * headDim + h * headDim, headDim);
            }
        });
    }

    private float[] scoresScratch(int len) {
        float[] s = scores.get();
        if (s.length < len) {
            s = new float[Math.max(len, s.length * 2)];
            scores.set(s);
        }
        return s;
    }

    private static float dot(float[] q, int qo, MemorySegment k, long at, int n) {
        int i = 0;
        float s = 0;
        if (n >= F.length()) {
            FloatVector acc = FloatVector.zero(F);
            for (int ub = F.loopBound(n); i < ub; i += F.length())
                acc = FloatVector.fromMemorySegment(F, k, at + 4L * i, ByteOrder.LITTLE_ENDIAN).fma(FloatVector.fromArray(F, q, qo + i), acc);
            s = Lanes.sum(acc);
        }
        for (; i < n; i++) s = Math.fma(q[qo + i], k.get(FL, at + 4L * i), s);
        return s;
    }

    private static void axpy(float a, MemorySegment v, long at, float[] acc, int n) {
        int i = 0;
        if (n >= F.length()) {
            FloatVector av = FloatVector.broadcast(F, a);
            for (int ub = F.loopBound(n); i < ub; i += F.length())
                FloatVector.fromMemorySegment(F, v, at + 4L * i, ByteOrder.LITTLE_ENDIAN).fma(av, FloatVector.fromArray(F, acc, i)).intoArray(acc, i);
        }
        for (; i < n; i++) acc[i] = Math.fma(a, v.get(FL, at + 4L * i), acc[i]);
    }
}
