package ai.baton.engine.backend.cuda;

/** SiLU-and-mul over fused [gate | up] rows: fp32 in, bf16 out. */
final class Activation {
    private final CudaContext cx;

    Activation(CudaContext cx) { this.cx = cx; }

    void siluMul(CudaTensor gateUp, CudaTensor out, int rows) {
        Norms.requireF32(gateUp, "siluMul input");
        out.writes(CudaTensor.DType.BF16);
        int ff = out.cols();
        long total = (long) rows * ff;
        int blocks = (int) Math.min(cx.smCount * 16L, Math.max(1, (total + 255) / 256));
        cx.launch("silu_mul", blocks, 1, 1, 256, 0, gateUp.address(), out.address(), rows, ff);
    }
}
