package ai.baton.engine.backend.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/** One device allocation. Its owner (a {@link DeviceHeap}) frees it once, on close or on the owner's close. */
final class DeviceMemory implements AutoCloseable {
    final CUdeviceptr ptr;
    final long address;
    final long bytes;
    private boolean freed;

    private DeviceMemory(CUdeviceptr ptr, long bytes) {
        this.ptr = ptr;
        this.address = Cu.address(ptr);
        this.bytes = bytes;
    }

    static DeviceMemory allocate(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        Cu.check(JCudaDriver.cuMemAlloc(p, Math.max(256, bytes)), "cuMemAlloc(" + bytes + " bytes)");
        return new DeviceMemory(p, bytes);
    }

    /** A JCuda pointer {@code offset} bytes in, for copies. */
    CUdeviceptr at(long offset) {
        return offset == 0 ? ptr : ptr.withByteOffset(offset);
    }

    boolean isFreed() { return freed; }

    @Override
    public void close() {
        if (freed) return;
        freed = true;
        JCudaDriver.cuMemFree(ptr);
    }
}
