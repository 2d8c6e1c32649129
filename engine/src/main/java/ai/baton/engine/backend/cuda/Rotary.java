package ai.baton.engine.backend.cuda;

/** RoPE on q and k fused with the KV-cache write (and, for Qwen3, with the q/k RMSNorm), and the standalone q/k norm. */
final class Rotary {
    private final CudaContext cx;
    /**
     * Lets attention be scheduled before RoPE's own PDL wait, so that its loads of cached K/V go out while the qkv
     * GEMV still runs ({@code -Dbaton.cuda.ropeEarlyTrigger=false} to compare). Measured on an H100 together with
     * {@code Linear}'s trimmed grids (experiments/results/cuda-h100/session-2026-11-23e): batch-1 decode of qwen3-0.6b
     * 0.916-0.926 vs 0.933-0.955 ms, llama-3.2-1b 1.118-1.124 vs 1.131-1.146.
     */
    private final int earlyTrigger = "false".equals(System.getProperty("baton.cuda.ropeEarlyTrigger")) ? 0 : 1;

    Rotary(CudaContext cx) { this.cx = cx; }

    /**
     * RoPE (after the q/k norm where given) of every row's q and k heads; k and v go into the cache. fp32 qkv keeps
     * its rotated q in place ({@code q} null); bf16 qkv leaves it in {@code q}, fp32 [rows][qHeads * headDim].
     */
    void ropeAndStore(CudaBatch b, CudaTensor qkv, int qHeads, int kvHeads, int headDim, CudaKvCache kv, int layer,
                      long invFreq, CudaTensor qNorm, CudaTensor kNorm, float eps, int rows, CudaTensor q) {
        if (headDim > 256) throw new ai.baton.engine.EngineException("head_dim " + headDim + " is not supported by the CUDA backend (at most 256)");
        int heads = qHeads + 2 * kvHeads;
        long qn = qNorm == null ? 0L : qNorm.address(), kn = kNorm == null ? 0L : kNorm.address();
        if (qkv.dtype() == CudaTensor.DType.BF16) {
            Norms.requireF32(q, "rotated q");
            q.writes(CudaTensor.DType.F32);
            cx.launch("rope_store_bf16", rows, (heads + 3) / 4, 1, 128, 0, qkv.address(), qkv.cols(), q.address(), q.cols(),
                    b.positions(), b.slots(), invFreq, qn, kn, eps, kv.keyAddress(layer), kv.valueAddress(layer), qHeads,
                    kvHeads, headDim, kv.layout().blockSize(), earlyTrigger);
            return;
        }
        Norms.requireF32(qkv, "qkv");
        cx.launch("rope_store", rows, (heads + 3) / 4, 1, 128, 0,
                qkv.address(), qkv.cols(), b.positions(), b.slots(), invFreq, qn, kn, eps,
                kv.keyAddress(layer), kv.valueAddress(layer), qHeads, kvHeads, headDim, kv.layout().blockSize(), earlyTrigger);
    }

    void qkNorm(CudaTensor qkv, int qHeads, int kvHeads, int headDim, CudaTensor qNorm, CudaTensor kNorm, float eps, int rows) {
        Norms.requireF32(qkv, "qkv");
        cx.launch("qk_norm", rows, (qHeads + kvHeads + 3) / 4, 1, 128, 0,
                qkv.address(), qkv.cols(), qNorm.address(), kNorm.address(), eps, qHeads, kvHeads, headDim);
    }
}
