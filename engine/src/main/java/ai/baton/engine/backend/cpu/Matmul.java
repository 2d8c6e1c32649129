package ai.baton.engine.backend.cpu;

import ai.baton.engine.weights.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * {@code out[t, j] = Σ_i x[t, i] · w[j, i] (+ bias[j])}: the linear layer. Work is split over output rows; each block
 * of four weight rows is widened to fp32 once and reused for every token, four tokens at a time (then two, then one),
 * so prefill amortises the widening and each loaded weight vector feeds four FMAs; a single
 * token (decode) on bf16 weights widens inside the dot instead, so the weights go from memory straight into the FMAs.
 * bf16 is widened by pairs: one int lane holds two bf16 values, shifting gives the even one and masking the odd one,
 * so a chunk of 2L values (L = vector lanes) becomes an even vector and an odd vector; x is permuted to match (per
 * chunk, its even then its odd elements). Every output element is the same sequence of fp32 operations whatever the
 * batch and whichever of the two paths, which keeps results batch-invariant.
 */
final class Matmul {
    private static final VectorSpecies<Float> F = Widen.F;
    private static final int ROW_BLOCK = 4;

    private final Parallel parallel;
    private final ThreadLocal<float[][]> scratch = new ThreadLocal<>();
    private final ThreadLocal<float[]> permuted = new ThreadLocal<>();

    Matmul(Parallel parallel) { this.parallel = parallel; }

    void linear(CpuTensor x, CpuWeight w, CpuWeight bias, CpuTensor out) {
        int tokens = x.rows(), in = x.cols(), outF = w.rows();
        if (w.cols() != in || out.cols() != outF || out.rows() != tokens)
            throw new IllegalArgumentException("linear shape mismatch: x " + tokens + "x" + in + ", w " + outF + "x" + w.cols()
                    + ", out " + out.rows() + "x" + out.cols());
        float[] b = bias == null ? null : widenAll(bias);
        boolean pairs = w.dtype() == DType.BF16;
        float[] xs = pairs ? permuted(x.data(), tokens, in) : x.data(), os = out.data();
        int vecEnd = pairs ? in - in % Widen.PAIR_CHUNK : F.loopBound(in);
        int blocks = (outF + ROW_BLOCK - 1) / ROW_BLOCK;
        parallel.forRange(blocks, Math.max(1, 64 / Math.max(1, tokens)), (fromBlock, toBlock) -> {
            float[][] rows = rowsScratch(in);
            for (int blk = fromBlock; blk < toBlock; blk++) {
                int j0 = blk * ROW_BLOCK, n = Math.min(ROW_BLOCK, outF - j0);
                if (pairs && tokens == 1 && n == ROW_BLOCK) {
                    dot4Pairs(xs, w.data(), w.rowOffsetBytes(j0), in, os, j0);
                } else {
                    for (int r = 0; r < n; r++) {
                        if (pairs) Widen.rowPairs(w.data(), w.rowOffsetBytes(j0 + r), rows[r], in);
                        else Widen.row(w.data(), w.dtype(), w.rowOffsetBytes(j0 + r), rows[r], in);
                    }
                    int t = 0;
                    if (n == ROW_BLOCK) {
                        for (; t + 4 <= tokens; t += 4) dot4x4(xs, t * in, in, rows, vecEnd, os, t * outF + j0, outF, rows[ROW_BLOCK]);
                        for (; t + 2 <= tokens; t += 2) dot4x2(xs, t * in, in, rows, vecEnd, os, t * outF + j0, outF);
                    }
                    for (; t < tokens; t++) {
                        int xo = t * in, oo = t * outF + j0;
                        if (n == ROW_BLOCK) dot4(xs, xo, rows, in, vecEnd, os, oo);
                        else for (int r = 0; r < n; r++) os[oo + r] = dot(xs, xo, rows[r], in, vecEnd);
                    }
                }
                if (b != null)
                    for (int t = 0; t < tokens; t++) for (int r = 0; r < n; r++) os[t * outF + j0 + r] += b[j0 + r];
            }
        });
    }

    /** x permuted by pairs, in the calling thread's buffer (valid until its next call; the pool's threads only read it). */
    private float[] permuted(float[] x, int tokens, int in) {
        float[] s = permuted.get();
        if (s == null || s.length < tokens * in) {
            s = new float[tokens * in];
            permuted.set(s);
        }
        Widen.permutePairs(x, tokens, in, s);
        return s;
    }

    private float[][] rowsScratch(int in) {
        float[][] s = scratch.get();
        if (s == null || s[0].length < in) {
            s = new float[ROW_BLOCK + 1][];  // the block's widened rows, then dot4x4's sixteen accumulators
            for (int r = 0; r < ROW_BLOCK; r++) s[r] = new float[in];
            s[ROW_BLOCK] = new float[ROW_BLOCK * 4 * F.length()];
            scratch.set(s);
        }
        return s;
    }

    static float[] widenAll(CpuWeight w) {
        float[] out = new float[w.rows() * w.cols()];
        float[] row = new float[w.cols()];
        for (int r = 0; r < w.rows(); r++) {
            Widen.row(w.data(), w.dtype(), w.rowOffsetBytes(r), row, w.cols());
            System.arraycopy(row, 0, out, r * w.cols(), w.cols());
        }
        return out;
    }

    /** One dot product, vectors up to {@code vecEnd}; must perform exactly the per-row operations of {@link #dot4}. */
    static float dot(float[] x, int xo, float[] w, int n, int vecEnd) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < vecEnd; i += F.length())
            acc = FloatVector.fromArray(F, w, i).fma(FloatVector.fromArray(F, x, xo + i), acc);
        return finish(acc, w, x, xo, i, n);
    }

    /**
     * {@link #dot4} of one token straight from bf16 weights in memory (rows from byte offset {@code off}), x permuted
     * by pairs: the same operations as widening the rows by pairs first.
     */
    private static void dot4Pairs(float[] x, MemorySegment w, long off, int n, float[] out, int oo) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long rowBytes = 2L * n;
        int lanes = F.length(), vecEnd = n - n % Widen.PAIR_CHUNK, i = 0;
        for (; i < vecEnd; i += Widen.PAIR_CHUNK) {
            FloatVector xe = FloatVector.fromArray(F, x, i), xo = FloatVector.fromArray(F, x, i + lanes);
            long at = off + 2L * i;
            IntVector v0 = Widen.pairs(w, at), v1 = Widen.pairs(w, at + rowBytes);
            IntVector v2 = Widen.pairs(w, at + 2 * rowBytes), v3 = Widen.pairs(w, at + 3 * rowBytes);
            a0 = Widen.odd(v0).fma(xo, Widen.even(v0).fma(xe, a0));
            a1 = Widen.odd(v1).fma(xo, Widen.even(v1).fma(xe, a1));
            a2 = Widen.odd(v2).fma(xo, Widen.even(v2).fma(xe, a2));
            a3 = Widen.odd(v3).fma(xo, Widen.even(v3).fma(xe, a3));
        }
        float s0 = Lanes.sum(a0), s1 = Lanes.sum(a1);
        float s2 = Lanes.sum(a2), s3 = Lanes.sum(a3);
        for (; i < n; i++) {
            float xi = x[i];
            long at = off + 2L * i;
            s0 = Math.fma(Widen.bf16(w, at), xi, s0);
            s1 = Math.fma(Widen.bf16(w, at + rowBytes), xi, s1);
            s2 = Math.fma(Widen.bf16(w, at + 2 * rowBytes), xi, s2);
            s3 = Math.fma(Widen.bf16(w, at + 3 * rowBytes), xi, s3);
        }
        out[oo] = s0;
        out[oo + 1] = s1;
        out[oo + 2] = s2;
        out[oo + 3] = s3;
    }

    /**
     * {@link #dot4} for two tokens at once ({@code x} rows {@code xStride} apart): each weight vector loaded feeds two
     * FMAs, so a block of rows does half the loads per product. Every output gets {@link #dot}'s operations.
     */
    private static void dot4x2(float[] x, int xo, int xStride, float[][] w, int vecEnd, float[] out, int oo, int oStride) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        float[] w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        int x1 = xo + xStride, n = xStride;
        int i = 0;
        for (; i < vecEnd; i += F.length()) {
            FloatVector v0 = FloatVector.fromArray(F, x, xo + i);
            FloatVector v1 = FloatVector.fromArray(F, x, x1 + i);
            FloatVector r = FloatVector.fromArray(F, w0, i);
            a00 = r.fma(v0, a00); a01 = r.fma(v1, a01);
            r = FloatVector.fromArray(F, w1, i);
            a10 = r.fma(v0, a10); a11 = r.fma(v1, a11);
            r = FloatVector.fromArray(F, w2, i);
            a20 = r.fma(v0, a20); a21 = r.fma(v1, a21);
            r = FloatVector.fromArray(F, w3, i);
            a30 = r.fma(v0, a30); a31 = r.fma(v1, a31);
        }
        int o1 = oo + oStride;
        out[oo] = finish(a00, w0, x, xo, i, n); out[oo + 1] = finish(a10, w1, x, xo, i, n);
        out[oo + 2] = finish(a20, w2, x, xo, i, n); out[oo + 3] = finish(a30, w3, x, xo, i, n);
        out[o1] = finish(a01, w0, x, x1, i, n); out[o1 + 1] = finish(a11, w1, x, x1, i, n);
        out[o1 + 2] = finish(a21, w2, x, x1, i, n); out[o1 + 3] = finish(a31, w3, x, x1, i, n);
    }

    /**
     * {@link #dot4} for four tokens at once: sixteen accumulators, so each weight vector and each token vector loaded
     * feeds four FMAs (eight loads per sixteen FMAs, against six per eight for two tokens) and the FMA chains are long
     * enough to hide their latency. Every output gets {@link #dot}'s operations.
     */
    private static void dot4x4(float[] x, int xo, int xStride, float[][] w, int vecEnd, float[] out, int oo, int oStride,
                               float[] acc) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        float[] w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        int x1 = xo + xStride, x2 = x1 + xStride, x3 = x2 + xStride, n = xStride;
        int i = 0;
        for (; i < vecEnd; i += F.length()) {
            FloatVector v0 = FloatVector.fromArray(F, x, xo + i), v1 = FloatVector.fromArray(F, x, x1 + i);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + i), v3 = FloatVector.fromArray(F, x, x3 + i);
            FloatVector r = FloatVector.fromArray(F, w0, i);
            a00 = r.fma(v0, a00); a01 = r.fma(v1, a01); a02 = r.fma(v2, a02); a03 = r.fma(v3, a03);
            r = FloatVector.fromArray(F, w1, i);
            a10 = r.fma(v0, a10); a11 = r.fma(v1, a11); a12 = r.fma(v2, a12); a13 = r.fma(v3, a13);
            r = FloatVector.fromArray(F, w2, i);
            a20 = r.fma(v0, a20); a21 = r.fma(v1, a21); a22 = r.fma(v2, a22); a23 = r.fma(v3, a23);
            r = FloatVector.fromArray(F, w3, i);
            a30 = r.fma(v0, a30); a31 = r.fma(v1, a31); a32 = r.fma(v2, a32); a33 = r.fma(v3, a33);
        }
        // Sixteen lane sums inlined here would pass C2's node budget, and a vector handed to a method that is not
        // inlined is boxed (20x slower): the accumulators go through memory instead (exact), each summed as dot does.
        int lanes = F.length();
        a00.intoArray(acc, 0); a10.intoArray(acc, lanes); a20.intoArray(acc, 2 * lanes); a30.intoArray(acc, 3 * lanes);
        a01.intoArray(acc, 4 * lanes); a11.intoArray(acc, 5 * lanes); a21.intoArray(acc, 6 * lanes); a31.intoArray(acc, 7 * lanes);
        a02.intoArray(acc, 8 * lanes); a12.intoArray(acc, 9 * lanes); a22.intoArray(acc, 10 * lanes); a32.intoArray(acc, 11 * lanes);
        a03.intoArray(acc, 12 * lanes); a13.intoArray(acc, 13 * lanes); a23.intoArray(acc, 14 * lanes); a33.intoArray(acc, 15 * lanes);
        for (int t = 0; t < 4; t++)
            for (int r = 0; r < ROW_BLOCK; r++)
                out[oo + t * oStride + r] = finishStored(acc, (t * ROW_BLOCK + r) * lanes, w[r], x, xo + t * xStride, i, n);
    }

    /** {@link #finish} of an accumulator stored at {@code acc[at..]}. */
    private static float finishStored(float[] acc, int at, float[] w, float[] x, int xo, int i, int n) {
        return finish(FloatVector.fromArray(F, acc, at), w, x, xo, i, n);
    }

    /** A row's lane sum plus its scalar tail from {@code i}: the end of {@link #dot}. */
    private static float finish(FloatVector acc, float[] w, float[] x, int xo, int i, int n) {
        float s = Lanes.sum(acc);
        for (; i < n; i++) s = Math.fma(w[i], x[xo + i], s);
        return s;
    }

    private static void dot4(float[] x, int xo, float[][] w, int n, int vecEnd, float[] out, int oo) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        float[] w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        int i = 0;
        for (; i < vecEnd; i += F.length()) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            a0 = FloatVector.fromArray(F, w0, i).fma(xv, a0);
            a1 = FloatVector.fromArray(F, w1, i).fma(xv, a1);
            a2 = FloatVector.fromArray(F, w2, i).fma(xv, a2);
            a3 = FloatVector.fromArray(F, w3, i).fma(xv, a3);
        }
        out[oo] = finish(a0, w0, x, xo, i, n);
        out[oo + 1] = finish(a1, w1, x, xo, i, n);
        out[oo + 2] = finish(a2, w2, x, xo, i, n);
        out[oo + 3] = finish(a3, w3, x, xo, i, n);
    }
}
