package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.HostKvMemory;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The offload tier's host memory on a GPU rank: page-locked and mapped into the device's address space, so one
 * kernel copies any number of KV blocks across PCIe ({@code kv_block_copy}). Allocated off-heap and registered with
 * the driver (JCuda's cuMemHostAlloc wraps the memory in a ByteBuffer, which cannot exceed 2 GiB); portable, so any
 * context may use it.
 */
final class MappedHostKv implements HostKvMemory {
    private static final int PORTABLE = 0x01, DEVICEMAP = 0x02;  // CU_MEMHOSTREGISTER_*

    private final CudaContext cx;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment memory;
    /** The memory's address as the device sees it. */
    final long deviceAddress;
    private boolean registered;

    MappedHostKv(CudaContext cx, long bytes) {
        this.cx = cx;
        try {
            memory = arena.allocate(Math.max(4096, bytes), 4096);
            cx.bind();
            Cu.check(JCudaDriver.cuMemHostRegister(at(memory.address()), memory.byteSize(), PORTABLE | DEVICEMAP),
                    "cuMemHostRegister(" + bytes + " bytes for the KV offload tier)");
            registered = true;
            CUdeviceptr d = new CUdeviceptr();
            Cu.check(JCudaDriver.cuMemHostGetDevicePointer(d, at(memory.address()), 0), "cuMemHostGetDevicePointer");
            deviceAddress = Cu.address(d);
        } catch (RuntimeException | OutOfMemoryError e) {
            close();
            throw e;
        }
    }

    /** A JCuda pointer to a host address (the driver calls here take the length separately). */
    private static Pointer at(long address) {
        return Pointer.to(MemorySegment.ofAddress(address).reinterpret(1).asByteBuffer());
    }

    @Override
    public void close() {
        if (registered) {
            registered = false;
            cx.bind();
            try {
                cx.synchronize();  // a copy kernel may still be reading or writing this memory
            } catch (RuntimeException ignored) {
                // a failed context: the memory goes anyway
            }
            JCudaDriver.cuMemHostUnregister(at(memory.address()));
        }
        if (arena.scope().isAlive()) arena.close();
    }
}
