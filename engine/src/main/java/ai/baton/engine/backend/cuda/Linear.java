package ai.baton.engine.backend.cuda;

import java.util.HashSet;
import java.util.Set;

/**
 * Linear layers: {@code out = x · wᵀ (+ bias)} with bf16 weights and fp32 results. Up to {@link #gemvMax} rows (decode),
 * and two rows where the prefetching kernel fits the matrix, run Baton's GEMV kernels, which stream each weight once
 * for all rows; larger batches go to cuBLAS.
 * The GEMV comes in fused forms (see gemv.cuh): RMSNorm in its prologue, the residual add or SiLU-and-mul in its
 * epilogue, each saving a dependent kernel of a decode step.
 */
final class Linear {
    /** Input and output forms of the GEMV kernels. */
    enum Form {
        PLAIN("gemv"), NORM("gemv_norm"), RESIDUAL("gemv_resid"), NORM_GATE_UP_SILU("gemv_norm_gateup");
        final String[] byRows;
        /** The one-token prefetching kernels (gemv_prefetch.cuh) by entry of {@link #PREFETCH_CHUNKS}. */
        final String[] prefetchByChunks;
        /** Their two-token forms ({@code _t2}). */
        final String[] prefetch2ByChunks;
        Form(String prefix) {
            byRows = new String[]{prefix + "_m1", prefix + "_m2", prefix + "_m4", prefix + "_m8"};
            prefetchByChunks = new String[PREFETCH_CHUNKS.length];
            prefetch2ByChunks = new String[PREFETCH_CHUNKS.length];
            for (int i = 0; i < PREFETCH_CHUNKS.length; i++) {
                prefetchByChunks[i] = prefix.replace("gemv", "gemvp") + "_c" + PREFETCH_CHUNKS[i];
                prefetch2ByChunks[i] = prefetchByChunks[i] + "_t2";
            }
        }
        boolean norm() { return this == NORM || this == NORM_GATE_UP_SILU; }
        int rowsPerUnit() { return this == NORM_GATE_UP_SILU ? 2 : 1; }
    }

    /** Weight chunks per lane and row (K up to 256 times this) that gemv_prefetch.cuh is built for. */
    private static final int[] PREFETCH_CHUNKS = {1, 2, 4, 8, 12, 16};
    private static final int PREFETCH_REGISTER_CHUNKS = 16, PREFETCH_WARPS = 8;

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
        this.prefetch = !"false".equals(System.getProperty("baton.cuda.gemvPrefetch"));
    }

    private final boolean prefetch;
    /**
     * Most register batches a matrix may take in the prefetching kernel, and its blocks per SM. Measured on an H100
     * (EngineBench --timeline): two blocks per SM and up to 8 batches beat the strided kernel on every decode matrix
     * of the three model shapes except the LM head (18+ batches), which the strided kernel streams faster.
     */
    private final int prefetchBatches = Integer.getInteger("baton.cuda.gemvPrefetchBatches", 8);
    private final int prefetchBlocksPerSm = Integer.getInteger("baton.cuda.gemvPrefetchBlocks", 2);
    /**
     * The prefetching kernel's grid has no block without rows (hidden 1024: 128 blocks for the o and down products,
     * not 264), so the registers of blocks that would only wait are free for the next kernel to start loading
     * ({@code -Dbaton.cuda.gemvTrimGrid=false} to compare; measured with {@code Rotary}'s early trigger).
     */
    private final boolean trimGrid = !"false".equals(System.getProperty("baton.cuda.gemvTrimGrid"));

    /**
     * Most tokens of the two-token prefetching kernels ({@code _t2}, rows up to 2048 wide). Measured on an H100:
     * kernels for 4 and 8 tokens lost to cuBLAS (qwen3-0.6b batch 8: 2.25 vs 1.67 ms per step).
     */
    private static final int PREFETCH_TOKENS_MAX = 2, PREFETCH_TOKENS_MAX_K = 2048;
    private final boolean prefetchTokens = !"false".equals(System.getProperty("baton.cuda.gemvTokens"));

    /**
     * The prefetching kernel for an m-token GEMV of n row units of width k, or null where the strided kernel (one
     * token) or cuBLAS (several) fits better: a row unit must fit in the registers that hold the weights, and the
     * matrix in a few batches of them (larger ones are streamed at full bandwidth anyway); several tokens only over
     * rows up to 2048 wide.
     */
    private String prefetchKernel(Form form, int n, int k, int m) {
        if (!prefetch || m < 1 || m > PREFETCH_TOKENS_MAX) return null;
        if (m > 1 && (!prefetchTokens || k > PREFETCH_TOKENS_MAX_K)) return null;
        int r = form.rowsPerUnit(), needed = (k + 255) / 256;
        for (int i = 0; i < PREFETCH_CHUNKS.length; i++) {
            int cpr = PREFETCH_CHUNKS[i];
            if (cpr < needed) continue;
            if (r * cpr > PREFETCH_REGISTER_CHUNKS || (r == 2 && cpr > 8)) return null;
            long perBatch = (long) (PREFETCH_REGISTER_CHUNKS / (r * cpr)) * cx.smCount * prefetchBlocksPerSm * PREFETCH_WARPS;
            if (n > prefetchBatches * perBatch) return null;
            return m == 1 ? form.prefetchByChunks[i] : form.prefetch2ByChunks[i];
        }
        return null;
    }

    /**
     * Whether an m-row product with w runs as a GEMV (Baton's kernels) rather than on cuBLAS. Beyond gemvMax rows only
     * where the prefetching kernel takes w in every form that may be asked of it (an even-rowed w may be a fused
     * [gate; up] weight).
     */
    boolean gemv(int m, CudaTensor w) {
        if (m > 8 || (w.cols() & 7) != 0) return false;
        return m <= gemvMax || prefetchKernel(Form.PLAIN, w.rows(), w.cols(), m) != null
                && (w.rows() % 2 != 0 || prefetchKernel(Form.NORM_GATE_UP_SILU, w.rows() / 2, w.cols(), m) != null);
    }

    /** Whether some product of m rows may run as a GEMV (a norm before it is then worth deferring). */
    boolean mayGemv(int m) { return m <= 8 && (m <= gemvMax || prefetch && prefetchTokens && m <= PREFETCH_TOKENS_MAX); }

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
        String pf = prefetchKernel(form, n, k, m);
        if (pf != null) {
            int smem = form.norm() ? 2 * m * k : 0;
            if (smem > 48 * 1024 && sharedMemorySet.add(pf)) cx.kernels.allowSharedMemory(pf, NORM_SMEM_MAX);
            int grid = cx.smCount * prefetchBlocksPerSm;
            if (trimGrid) grid = Math.min(grid, (n + PREFETCH_WARPS - 1) / PREFETCH_WARPS);  // no block without rows
            cx.launch(pf, grid, 1, 1, PREFETCH_WARPS * 32, smem, w.address(), x, normW, eps, bias, y, n, k, m);
            return;
        }
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
