package ai.baton.engine.backend.cuda;

/** RoPE on q and k fused with the KV-cache write (and, for Qwen3, with the q/k RMSNorm), and the standalone q/k norm. */
final class Rotary {
    private final CudaContext cx;

    Rotary(CudaContext cx) { this.cx = cx; }

    void ropeAndStore(CudaBatch b, CudaTensor qkv, int qHeads, int kvHeads, int headDim, CudaKvCache kv, int layer,
                      long invFreq, CudaTensor qNorm, CudaTensor kNorm, float eps, int rows) {
        Norms.requireF32(qkv, "qkv");
        if (headDim > 256) throw new ai.baton.engine.EngineException("head_dim " + headDim + " is not supported by the CUDA backend (at most 256)");
        int heads = qHeads + 2 * kvHeads;
        cx.launch("rope_store", rows, (heads + 3) / 4, 1, 128, 0,
                qkv.address(), qkv.cols(), b.positions(), b.slots(), invFreq,
                qNorm == null ? 0L : qNorm.address(), kNorm == null ? 0L : kNorm.address(), eps,
                kv.keyAddress(layer), kv.valueAddress(layer), qHeads, kvHeads, headDim, kv.layout().blockSize());
    }

    void qkNorm(CudaTensor qkv, int qHeads, int kvHeads, int headDim, CudaTensor qNorm, CudaTensor kNorm, float eps, int rows) {
        Norms.requireF32(qkv, "qkv");
        cx.launch("qk_norm", rows, (qHeads + kvHeads + 3) / 4, 1, 128, 0,
                qkv.address(), qkv.cols(), qNorm.address(), kNorm.address(), eps, qHeads, kvHeads, headDim);
    }
}
