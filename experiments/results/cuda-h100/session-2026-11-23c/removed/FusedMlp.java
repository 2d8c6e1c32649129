package ai.baton.engine.backend.cuda;

import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

/**
 * A decode token's whole MLP in one kernel ({@code fused_mlp.cuh}): {@code residual += down(silu(gate)·up)} of the
 * normalised residual. It replaces the gate/up and down GEMVs of a one-token step where every block's share of the
 * three matrices fits in shared memory next to one block per SM (qwen3-0.6b's MLP does; llama-3.2-1b's does not),
 * saving the kernel boundary between them. Off with {@code -Dbaton.cuda.fuseMlp=false}.
 */
final class FusedMlp {
    private static final int THREADS = 256;
    private final CudaContext cx;
    private final boolean enabled = !"false".equals(System.getProperty("baton.cuda.fuseMlp"));
    private final int sharedMax;
    /** The kernel's grid barrier: a 64-bit counter that only grows, zeroed once (the heap frees it). */
    private final DeviceMemory barrier;
    private int sharedSet;

    FusedMlp(CudaContext cx) {
        this.cx = cx;
        int[] v = {0};
        Cu.check(JCudaDriver.cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
                cx.device), "cuDeviceGetAttribute");
        // Leave room on the SM for the next kernel's blocks to start loading their weights meanwhile.
        sharedMax = Math.min(v[0], 200 * 1024);
        barrier = cx.heap.allocate(8);
        Cu.check(JCudaDriver.cuMemsetD32(barrier.ptr, 0, 2), "cuMemsetD32");
        Cu.check(JCudaDriver.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /** Intermediate features per block for intermediate size i: a multiple of 8, one block per SM. */
    private int featuresPerBlock(int i) {
        int perSm = (i + cx.smCount - 1) / cx.smCount;
        return (perSm + 7) / 8 * 8;
    }

    private static int sharedBytes(int h, int fpb) { return (3 * fpb * h + h) * 2 + 3 * fpb * 4; }

    /** Whether one token's MLP of hidden size h and intermediate size i runs fused. */
    boolean fits(int h, int i) {
        if (!enabled || (h & 7) != 0 || (i & 7) != 0 || h > 8 * THREADS) return false;
        return sharedBytes(h, featuresPerBlock(i)) <= sharedMax;
    }

    /**
     * {@code residual += down(silu(gate(x̂)) · up(x̂))} for one token, x̂ = rmsNorm(residual) · normW; gateUp is the fused
     * [gate; up] weight [2i][h], down [h][i], residual fp32 [h].
     */
    void forward(CudaTensor gateUp, CudaTensor down, long residual, long normW, float eps) {
        int h = gateUp.cols(), i = down.cols();
        int fpb = featuresPerBlock(i), blocks = (i + fpb - 1) / fpb, smem = sharedBytes(h, fpb);
        if (smem > sharedSet) {
            cx.kernels.allowSharedMemory("fused_mlp", smem);
            sharedSet = smem;
        }
        cx.launch("fused_mlp", blocks, 1, 1, THREADS, smem, gateUp.address(), down.address(), residual, normW, eps, h, i, fpb,
                barrier.address, cx.hintAddress(), cx.takeHintBytes());
    }
}
