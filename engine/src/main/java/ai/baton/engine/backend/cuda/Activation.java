package ai.baton.engine.backend.cuda;

/** SiLU-and-mul over fused [gate | up] rows: fp32 in, bf16 out. */
final class Activation {
    private final CudaContext cx;

    Activation(CudaContext cx) { this.cx = cx; }

    /** out = silu(gate) * up over the [gate | up] rows, fp32 or bf16 (the product in bf16, as a bf16 model has it). */
    void siluMul(CudaTensor gateUp, CudaTensor out, int rows) {
        boolean bf16 = gateUp.dtype() == CudaTensor.DType.BF16;
        if (!bf16) Norms.requireF32(gateUp, "siluMul input");
        out.writes(CudaTensor.DType.BF16);
        int ff = out.cols();
        int colBlocks = Math.max(1, (ff + 1023) / 1024);  // 256 threads x 4 columns
        cx.launch(bf16 ? "silu_mul_bf16" : "silu_mul", colBlocks, rows, 1, 256, 0, gateUp.address(), out.address(), rows, ff);
    }
}
