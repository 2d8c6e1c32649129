package ai.baton.engine.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

import java.util.ArrayList;
import java.util.List;

/**
 * Diagnostics for benchmarks: where a decode step's time goes along its chain of dependent kernels. While on, block 0
 * of every kernel records (device clock, ns) when it reached its wait on the previous kernel and when that wait
 * returned (common.cuh); kernels launched from Java are named in launch order. A kernel's share of the chain is the
 * time from its wait returning to the next kernel's wait returning; a start well before the previous kernel's wait
 * returned shows programmatic dependent launch overlapping the two.
 */
final class KernelTimeline implements AutoCloseable {
    static final int MAX_ENTRIES = 8192;

    private final CudaContext cx;
    private final DeviceMemory buffer;
    private final List<String> names = new ArrayList<>();

    KernelTimeline(CudaContext cx) {
        this.cx = cx;
        cx.synchronize();
        buffer = cx.heap.allocate(8L * (1 + 2L * MAX_ENTRIES));
        Cu.check(JCudaDriver.cuMemsetD8(buffer.ptr, (byte) 0, 8L * (1 + 2L * MAX_ENTRIES)), "cuMemsetD8");
        cx.kernels.setTimeline(buffer.address);
        cx.kernels.launchLog = names;
    }

    /** Stops recording; returns {start, waitReturned} pairs (ns, relative to the first wait's return) in wait order. */
    long[][] stop() {
        cx.synchronize();
        cx.kernels.setTimeline(0L);
        cx.kernels.launchLog = null;
        long[] count = new long[1];
        Cu.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(count), buffer.ptr, 8), "cuMemcpyDtoH");
        int n = (int) Math.min(count[0], MAX_ENTRIES);
        long[] raw = new long[2 * n];
        if (n > 0) Cu.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(raw), buffer.ptr.withByteOffset(8), 16L * n), "cuMemcpyDtoH");
        long[][] out = new long[n][2];
        long t0 = n > 0 ? raw[1] : 0;
        for (int i = 0; i < n; i++) {
            out[i][0] = raw[2 * i] - t0;
            out[i][1] = raw[2 * i + 1] - t0;
        }
        return out;
    }

    /** Kernels launched from Java while recording, in order (a graph replay launches none). */
    List<String> names() { return List.copyOf(names); }

    @Override
    public void close() {
        cx.kernels.launchLog = null;
        try {
            cx.kernels.setTimeline(0L);  // no kernel may write into the buffer once it is freed (stop may not have run)
        } finally {
            cx.heap.free(buffer);
        }
    }
}
