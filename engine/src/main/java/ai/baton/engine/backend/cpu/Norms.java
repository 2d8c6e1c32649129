package ai.baton.engine.backend.cpu;

/** RMSNorm in its three uses: plain, fused with the residual add, and per attention head (q/k norm). */
final class Norms {
    private final Parallel parallel;

    Norms(Parallel parallel) { this.parallel = parallel; }

    void rmsNorm(CpuTensor x, float[] weight, float eps, CpuTensor out) {
        int n = x.cols();
        parallel.forRange(x.rows(), 8, (from, to) -> {
            for (int t = from; t < to; t++) normalize(x.data(), t * n, weight, eps, n, out.data(), t * n);
        });
    }

    void addRmsNorm(CpuTensor x, CpuTensor residual, float[] weight, float eps, CpuTensor out) {
        int n = x.cols();
        float[] xs = x.data(), rs = residual.data();
        parallel.forRange(x.rows(), 8, (from, to) -> {
            for (int t = from; t < to; t++) {
                int o = t * n;
                for (int i = 0; i < n; i++) rs[o + i] += xs[o + i];
                normalize(rs, o, weight, eps, n, out.data(), o);
            }
        });
    }

    /** Normalises each head of q (the first qHeads * headDim columns) and of k (the next kvHeads * headDim). */
    void qkNorm(CpuTensor qkv, int qHeads, int kvHeads, int headDim, float[] qw, float[] kw, float eps) {
        int cols = qkv.cols();
        float[] d = qkv.data();
        parallel.forRange(qkv.rows(), 8, (from, to) -> {
            for (int t = from; t < to; t++) {
                int base = t * cols;
                for (int h = 0; h < qHeads; h++) normalize(d, base + h * headDim, qw, eps, headDim, d, base + h * headDim);
                int kBase = base + qHeads * headDim;
                for (int h = 0; h < kvHeads; h++) normalize(d, kBase + h * headDim, kw, eps, headDim, d, kBase + h * headDim);
            }
        });
    }

    /** out = weight * (x / sqrt(mean(x²) + eps)), in HF's order of operations. */
    static void normalize(float[] x, int xo, float[] weight, float eps, int n, float[] out, int oo) {
        float ss = 0;
        for (int i = 0; i < n; i++) ss += x[xo + i] * x[xo + i];
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) out[oo + i] = weight[i] * (x[xo + i] * inv);
    }
}
