package ai.baton.engine.backend.cuda;

/** RMSNorm, alone and fused with the residual add; fp32 in (the added x may be bf16), bf16 out (the input of a matrix product). */
final class Norms {
    private final CudaContext cx;

    Norms(CudaContext cx) { this.cx = cx; }

    void rmsNorm(CudaTensor x, CudaTensor weight, float eps, CudaTensor out, int rows) {
        requireF32(x, "rmsNorm input");
        out.writes(CudaTensor.DType.BF16);
        cx.launch("rms_norm", rows, 1, 1, threads(x.cols()), 0, x.address(), weight.address(), out.address(), x.cols(), eps);
    }

    /** residual += x; out = rmsNorm(residual) · weight. x is fp32 or bf16. */
    void addRmsNorm(CudaTensor x, CudaTensor residual, CudaTensor weight, float eps, CudaTensor out, int rows) {
        requireF32(residual, "residual");
        out.writes(CudaTensor.DType.BF16);
        cx.launch(x.dtype() == CudaTensor.DType.BF16 ? "add_rms_norm_bf16x" : "add_rms_norm", rows, 1, 1, threads(x.cols()), 0,
                x.address(), residual.address(), weight.address(), out.address(), x.cols(), eps);
    }

    /** One float4 per thread where the row allows, 32..1024 threads. */
    static int threads(int n) {
        int t = ((n / 4) + 31) / 32 * 32;
        return Math.min(1024, Math.max(32, t));
    }

    static void requireF32(CudaTensor t, String what) {
        if (t.dtype() != CudaTensor.DType.F32) throw new IllegalStateException(what + " must be fp32, is " + t);
    }
}
