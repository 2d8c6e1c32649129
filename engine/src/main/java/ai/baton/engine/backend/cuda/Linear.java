package ai.baton.engine.backend.cuda;

/**
 * Linear layers: {@code out = x · wᵀ (+ bias)} with bf16 weights and fp32 results. Up to {@link #gemvMax} rows (decode)
 * run Baton's GEMV kernels, which stream each weight once for all rows; larger batches (prefill) go to cuBLAS.
 */
final class Linear {
    private static final String[] GEMV = {"gemv_m1", "gemv_m2", "gemv_m4", "gemv_m8"};
    private static final String[] GEMV_SILU = {"gemv_silu_m1", "gemv_silu_m2", "gemv_silu_m4", "gemv_silu_m8"};

    private final CudaContext cx;
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

    /** {@code siluOf}: when non-null, x is silu(gate) * up of this fp32 [m][2K] tensor, formed inside the GEMV. */
    void forward(CudaTensor x, CudaTensor w, CudaTensor bias, CudaTensor out, int m, CudaTensor siluOf) {
        if (w.dtype() != CudaTensor.DType.BF16) throw new IllegalStateException("linear weight must be bf16, is " + w);
        int n = w.rows(), k = w.cols();
        long biasAddr = bias == null ? 0L : bias.address();
        if (siluOf != null || gemv(m, w)) {
            if (siluOf == null && x.dtype() != CudaTensor.DType.BF16) throw new IllegalStateException("GEMV input must be bf16, is " + x);
            out.writes(CudaTensor.DType.F32);
            int tpl = m <= 1 ? 1 : m <= 2 ? 2 : m <= 4 ? 4 : 8;
            int ks = n <= 2048 ? 4 : n <= 8192 ? 2 : 1;
            int rowsPerBlock = 4 / ks;
            String fn = (siluOf != null ? GEMV_SILU : GEMV)[Integer.numberOfTrailingZeros(tpl)];
            cx.launch(fn, (n + rowsPerBlock - 1) / rowsPerBlock, 1, 1, 128, 0,
                    w.address(), siluOf != null ? siluOf.address() : x.address(), biasAddr, out.address(), n, k, m, ks);
            return;
        }
        if (x.dtype() != CudaTensor.DType.BF16) throw new IllegalStateException("GEMM input must be bf16, is " + x);
        out.writes(CudaTensor.DType.F32);
        cx.cublas.linear(x.address(), Cublas.R_16BF, w.address(), Cublas.R_16BF, out.address(), Cublas.R_32F, m, n, k, false);
        if (bias != null) {
            long total = (long) m * n;
            int blocks = (int) Math.min(cx.smCount * 16L, Math.max(1, (total + 255) / 256));
            cx.launch("add_bias", blocks, 1, 1, 256, 0, out.address(), biasAddr, m, n);
        }
    }
}
