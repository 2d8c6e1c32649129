package ai.baton.engine.backend.cuda;

import java.util.HashSet;
import java.util.Set;

/**
 * Linear layers: {@code out = x · wᵀ (+ bias)} with bf16 weights and fp32 results. Up to {@link #gemvMax} rows (decode)
 * run Baton's GEMV kernels, which stream each weight once for all rows; larger batches (prefill) go to cuBLAS.
 * The GEMV comes in fused forms (see gemv.cuh): RMSNorm in its prologue, the residual add or SiLU-and-mul in its
 * epilogue, each saving a dependent kernel of a decode step.
 */
final class Linear {
    /** Input and output forms of the GEMV kernels. */
    enum Form {
        PLAIN("gemv"), NORM("gemv_norm"), RESIDUAL("gemv_resid"), NORM_GATE_UP_SILU("gemv_norm_gateup");
        final String[] byRows;
        Form(String prefix) { byRows = new String[]{prefix + "_m1", prefix + "_m2", prefix + "_m4", prefix + "_m8"}; }
        boolean norm() { return this == NORM || this == NORM_GATE_UP_SILU; }
    }

    /** Most shared memory a NORM-form GEMV may take for its normalised rows. */
    static final int NORM_SMEM_MAX = 96 * 1024;

    private final CudaContext cx;
    private final Set<String> sharedMemorySet = new HashSet<>();
    final int gemvMax;

    Linear(CudaContext cx) {
        this.cx = cx;
        // Measured on an H100: the GEMV streams weights at ~85% of copy bandwidth for one row, but re-reading the
        // activations per row makes it lose to cuBLAS from a few rows on; so one row by default.
        this.gemvMax = Integer.getInteger("baton.cuda.gemvMax", 1);
    }

    boolean gemv(int m, CudaTensor w) {
        return m <= gemvMax && m <= 8 && (w.cols() & 7) == 0;
    }

    /** Whether a NORM-form GEMV can hold m normalised rows of width k. */
    static boolean normFits(int m, int k) { return 2L * m * k <= NORM_SMEM_MAX; }

    void forward(CudaTensor x, CudaTensor w, CudaTensor bias, CudaTensor out, int m) {
        if (w.dtype() != CudaTensor.DType.BF16) throw new IllegalStateException("linear weight must be bf16, is " + w);
        int n = w.rows(), k = w.cols();
        long biasAddr = bias == null ? 0L : bias.address();
        if (x.dtype() != CudaTensor.DType.BF16) throw new IllegalStateException("linear input must be bf16, is " + x);
        out.writes(CudaTensor.DType.F32);
        if (gemv(m, w)) {
            gemv(Form.PLAIN, w, x.address(), 0L, 0f, biasAddr, out.address(), m);
            return;
        }
        cx.cublas.linear(x.address(), Cublas.R_16BF, w.address(), Cublas.R_16BF, out.address(), Cublas.R_32F, m, n, k, false);
        if (bias != null) {
            long total = (long) m * n;
            int blocks = (int) Math.min(cx.smCount * 16L, Math.max(1, (total + 255) / 256));
            cx.launch("add_bias", blocks, 1, 1, 256, 0, out.address(), biasAddr, m, n);
        }
    }

    /**
     * One GEMV launch of the given form: {@code x} is bf16 [m][K] (PLAIN, RESIDUAL) or the fp32 residual to normalise
     * with {@code normW} (NORM forms); {@code y} is fp32 [m][N] (PLAIN, NORM), the fp32 residual to add to (RESIDUAL),
     * or bf16 [m][N/2] of silu(gate)·up over the fused [gate; up] weight (NORM_GATE_UP_SILU).
     */
    void gemv(Form form, CudaTensor w, long x, long normW, float eps, long bias, long y, int m) {
        int k = w.cols();
        int n = form == Form.NORM_GATE_UP_SILU ? w.rows() / 2 : w.rows();
        int tpl = m <= 1 ? 1 : m <= 2 ? 2 : m <= 4 ? 4 : 8;
        int ks = n <= 2048 ? 4 : n <= 8192 ? 2 : 1;
        int rowsPerBlock = 4 / ks;
        int groups = (n + rowsPerBlock - 1) / rowsPerBlock;
        int grid = groups;
        if (form.norm()) {
            // Each block repeats the norm prologue, so cap the grid near 8 blocks per SM, with every block taking
            // the same number of row groups (an uneven share left a tail on the 8B's gate/up GEMV).
            int perBlock = (groups + cx.smCount * 8 - 1) / (cx.smCount * 8);
            grid = (groups + perBlock - 1) / perBlock;
        }
        String fn = form.byRows[Integer.numberOfTrailingZeros(tpl)];
        int smem = form.norm() ? 2 * m * k : 0;
        if (smem > 48 * 1024 && sharedMemorySet.add(fn)) cx.kernels.allowSharedMemory(fn, NORM_SMEM_MAX);
        cx.launch(fn, grid, 1, 1, 128, smem, w.address(), x, normW, eps, bias, y, n, k, m, ks);
    }
}
