package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.HostKvMemory;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/**
 * The offload tier's host memory on a GPU rank: page-locked and mapped into the device's address space, so one
 * kernel copies any number of KV blocks across PCIe ({@code kv_block_copy}). Portable, so any context may free it.
 */
final class MappedHostKv implements HostKvMemory {
    private static final int PORTABLE = 0x01, DEVICEMAP = 0x02;  // CU_MEMHOSTALLOC_*

    private final CudaContext cx;
    private final Pointer pointer = new Pointer();
    private final long bytes;
    /** The memory's address as the device sees it. */
    final long deviceAddress;
    private boolean freed;

    MappedHostKv(CudaContext cx, long bytes) {
        this.cx = cx;
        this.bytes = bytes;
        cx.bind();
        Cu.check(JCudaDriver.cuMemHostAlloc(pointer, Math.max(16, bytes), PORTABLE | DEVICEMAP),
                "cuMemHostAlloc(" + bytes + " bytes for the KV offload tier)");
        try {
            CUdeviceptr d = new CUdeviceptr();
            Cu.check(JCudaDriver.cuMemHostGetDevicePointer(d, pointer, 0), "cuMemHostGetDevicePointer");
            deviceAddress = Cu.address(d);
        } catch (RuntimeException e) {
            JCudaDriver.cuMemFreeHost(pointer);
            throw e;
        }
    }

    @Override public long bytes() { return bytes; }

    @Override
    public void close() {
        if (freed) return;
        freed = true;
        cx.bind();
        JCudaDriver.cuMemFreeHost(pointer);
    }
}
