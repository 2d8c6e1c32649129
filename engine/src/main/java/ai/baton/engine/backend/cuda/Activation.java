package ai.baton.engine.backend.cuda;

/** SiLU-and-mul over fused [gate | up] rows: fp32 in, bf16 out. */
final class Activation {
    private final CudaContext cx;

    Activation(CudaContext cx) { this.cx = cx; }

    void siluMul(CudaTensor gateUp, CudaTensor out, int rows) {
        Norms.requireF32(gateUp, "siluMul input");
        out.writes(CudaTensor.DType.BF16);
        int ff = out.cols();
        int colBlocks = Math.max(1, (ff + 1023) / 1024);  // 256 threads x 4 columns
        cx.launch("silu_mul", colBlocks, rows, 1, 256, 0, gateUp.address(), out.address(), rows, ff);
    }
}
