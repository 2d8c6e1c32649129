package ai.baton.engine.backend.cuda;

/** RoPE on q and k fused with the KV-cache write (and, for Qwen3, with the q/k RMSNorm), and the standalone q/k norm. */
final class Rotary {
    private final CudaContext cx;

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
                    kvHeads, headDim, kv.layout().blockSize());
            return;
        }
        Norms.requireF32(qkv, "qkv");
        cx.launch("rope_store", rows, (heads + 3) / 4, 1, 128, 0,
                qkv.address(), qkv.cols(), b.positions(), b.slots(), invFreq, qn, kn, eps,
                kv.keyAddress(layer), kv.valueAddress(layer), qHeads, kvHeads, headDim, kv.layout().blockSize());
    }

    void qkNorm(CudaTensor qkv, int qHeads, int kvHeads, int headDim, CudaTensor qNorm, CudaTensor kNorm, float eps, int rows) {
        Norms.requireF32(qkv, "qkv");
        cx.launch("qk_norm", rows, (qHeads + kvHeads + 3) / 4, 1, 128, 0,
                qkv.address(), qkv.cols(), qNorm.address(), kNorm.address(), eps, qHeads, kvHeads, headDim);
    }
}
