package ai.baton.engine.backend.cuda;

import java.util.HashSet;
import java.util.Set;

/**
 * Linear layers: {@code out = x · wᵀ (+ bias)} with bf16 weights and fp32 results. Decode-sized products run Baton's
 * GEMV kernels, which stream each weight once for all rows: one row on CUDA cores (the prefetching kernel where it
 * fits the matrix), 2 to 16 rows on tensor cores (gemv_mma.cuh); larger batches go to cuBLAS.
 * The GEMV comes in fused forms (see gemv.cuh): RMSNorm in its prologue, the residual add or SiLU-and-mul in its
 * epilogue, each saving a dependent kernel of a decode step.
 */
final class Linear {
    /** Input and output forms of the GEMV kernels. */
    enum Form {
        PLAIN("gemv"), NORM("gemv_norm"), RESIDUAL("gemv_resid"), NORM_GATE_UP_SILU("gemv_norm_gateup");
        /** The strided one-token kernel (gemv.cuh). */
        final String strided;
        /** The one-token prefetching kernels (gemv_prefetch.cuh) by entry of {@link #PREFETCH_CHUNKS}. */
        final String[] prefetchByChunks;
        /** The tensor-core kernels (gemv_mma.cuh) for up to 8 and up to 16 tokens. */
        final String[] mmaByTokens;
        Form(String prefix) {
            strided = prefix + "_m1";
            prefetchByChunks = new String[PREFETCH_CHUNKS.length];
            for (int i = 0; i < PREFETCH_CHUNKS.length; i++) {
                prefetchByChunks[i] = prefix.replace("gemv", "gemvp") + "_c" + PREFETCH_CHUNKS[i];
            }
            String t = prefix.replace("gemv", "gemvt");
            mmaByTokens = new String[]{t + "_m8", t + "_m16"};
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

    Linear(CudaContext cx) {
        this.cx = cx;
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
     * Rows that the tensor-core GEMV takes ({@code -Dbaton.cuda.gemvMmaMin/Max}; a min above the max turns it off,
     * leaving 2+ rows to cuBLAS). One row streams faster through the prefetching kernel; above 16, cuBLAS tiles well
     * (a 32-row form, two A tiles per weight chunk, lost to it at batch 32 on an H100 for all three benchmark shapes).
     */
    private final int mmaMin = Integer.getInteger("baton.cuda.gemvMmaMin", 2), mmaMax = Math.min(MMA_TOKENS_MAX,
            Integer.getInteger("baton.cuda.gemvMmaMax", MMA_TOKENS_MAX));
    private static final int MMA_TOKENS_MAX = 16, MMA_WARPS = 8, MMA_CHUNKS = 8;
    /**
     * Most bytes of a matrix that the tensor-core GEMV takes at more than 8 rows; larger ones go to cuBLAS. Measured on
     * an H100 at batch 16: llama-3.1-8b 7.10-7.13 ms per step with this limit, 7.53 without it, 7.14 on cuBLAS alone;
     * the smaller models lose nothing to it (their gate/up products are at most 64 MiB).
     */
    private final long mmaWideMaxBytes = Long.getLong("baton.cuda.gemvMmaWideMaxMiB", 64) << 20;

    private boolean mma(int m) { return m >= mmaMin && m <= mmaMax; }

    /** Whether the tensor-core GEMV takes an m-row product with w. */
    private boolean mma(int m, CudaTensor w) { return mma(m) && (m <= 8 || 2L * w.rows() * w.cols() <= mmaWideMaxBytes); }

    /**
     * The prefetching kernel for a one-token GEMV of n row units of width k, or null where the strided kernel fits
     * better: a row unit must fit in the registers that hold the weights, and the matrix in a few batches of them
     * (larger ones are streamed at full bandwidth anyway).
     */
    private String prefetchKernel(Form form, int n, int k) {
        if (!prefetch) return null;
        int r = form.rowsPerUnit(), needed = (k + 255) / 256;
        for (int i = 0; i < PREFETCH_CHUNKS.length; i++) {
            int cpr = PREFETCH_CHUNKS[i];
            if (cpr < needed) continue;
            if (r * cpr > PREFETCH_REGISTER_CHUNKS || (r == 2 && cpr > 8)) return null;
            long perBatch = (long) (PREFETCH_REGISTER_CHUNKS / (r * cpr)) * cx.smCount * prefetchBlocksPerSm * PREFETCH_WARPS;
            if (n > prefetchBatches * perBatch) return null;
            return form.prefetchByChunks[i];
        }
        return null;
    }

    /**
     * Whether an m-row product with w runs as a GEMV (Baton's kernels) rather than on cuBLAS: one row always, 2 to 16
     * where the tensor-core GEMV takes w.
     */
    boolean gemv(int m, CudaTensor w) { return (w.cols() & 7) == 0 && (m == 1 || mma(m, w)); }

    /** Whether some product of m rows may run as a GEMV (a norm before it is then worth deferring). */
    boolean mayGemv(int m) { return m == 1 || mma(m); }

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
     * or bf16 [m][N/2] of silu(gate)·up over the fused [gate; up] weight (NORM_GATE_UP_SILU). One row, or as many as
     * the tensor-core GEMV takes ({@link #gemv(int, CudaTensor)}). {@code bias} is PLAIN's and NORM's bias; for a
     * one-row RESIDUAL, where non-zero, a second fp32 residual that is set to the same result ({@link HeadClusterDecode}).
     */
    void gemv(Form form, CudaTensor w, long x, long normW, float eps, long bias, long y, int m) {
        int k = w.cols();
        int n = form == Form.NORM_GATE_UP_SILU ? w.rows() / 2 : w.rows();
        if (mma(m, w)) {
            mmaGemv(form, w, x, normW, eps, bias, y, m, n, k);
            return;
        }
        String pf = prefetchKernel(form, n, k);
        if (pf != null) {
            int smem = normSharedMemory(pf, form, m, k);
            int grid = cx.smCount * prefetchBlocksPerSm;
            if (trimGrid) grid = Math.min(grid, (n + PREFETCH_WARPS - 1) / PREFETCH_WARPS);  // no block without rows
            cx.launch(pf, grid, 1, 1, PREFETCH_WARPS * 32, smem, w.address(), x, normW, eps, bias, y, n, k, m);
            return;
        }
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
        String fn = form.strided;
        cx.launch(fn, grid, 1, 1, 128, normSharedMemory(fn, form, m, k), w.address(), x, normW, eps, bias, y, n, k, m, ks);
    }

    /**
     * The NORM forms' shared memory for m normalised rows of width k. Each NORM kernel is allowed NORM_SMEM_MAX once:
     * the 48 KB default covers static and dynamic shared memory together, so even a size under 48 KB can need it.
     */
    private int normSharedMemory(String fn, Form form, int m, int k) {
        if (!form.norm()) return 0;
        if (sharedMemorySet.add(fn)) cx.kernels.allowSharedMemory(fn, NORM_SMEM_MAX);
        return 2 * m * k;
    }

    /**
     * The tensor-core GEMV over n outputs (tiles of 8 rows, or of 4 gate/up pairs) of width k. Warps per tile: the
     * fewest that hold a tile's row in one batch of registers, doubled while the grid still fits on the GPU at once
     * (two blocks per SM), so that narrow matrices put more loads in flight; larger matrices are streamed by blocks
     * that stride over the tiles.
     */
    private void mmaGemv(Form form, CudaTensor w, long x, long normW, float eps, long bias, long y, int m, int n, int k) {
        String fn = form.mmaByTokens[m <= 8 ? 0 : 1];
        int perTile = form == Form.NORM_GATE_UP_SILU ? 4 : 8, tiles = (n + perTile - 1) / perTile;
        int quads = (k + 31) / 32, resident = cx.smCount * 2;
        int s = 1;
        while (s < MMA_WARPS && (quads + s - 1) / s > MMA_CHUNKS) s *= 2;
        while (s < MMA_WARPS && groups(tiles, 2 * s) <= resident) s *= 2;
        int grid = Math.min(groups(tiles, s), resident);
        cx.launch(fn, grid, 1, 1, MMA_WARPS * 32, normSharedMemory(fn, form, m, k), w.address(), x, normW, eps, bias, y, n, k, m, s);
    }

    /** Blocks of 8 warps that cover the tiles with s warps each. */
    private static int groups(int tiles, int s) {
        int perBlock = MMA_WARPS / s;
        return (tiles + perBlock - 1) / perBlock;
    }
}
