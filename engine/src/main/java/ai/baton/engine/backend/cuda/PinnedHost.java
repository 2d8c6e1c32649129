package ai.baton.engine.backend.cuda;

import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/** Page-locked host memory, so copies to and from the device are true asynchronous DMA. */
final class PinnedHost implements AutoCloseable {
    final Pointer pointer = new Pointer();
    final MemorySegment segment;
    final long bytes;
    private boolean freed;

    PinnedHost(long bytes) {
        this.bytes = bytes;
        Cu.check(JCudaDriver.cuMemHostAlloc(pointer, bytes, 0), "cuMemHostAlloc(" + bytes + " bytes)");
        segment = MemorySegment.ofBuffer(pointer.getByteBuffer(0, bytes).order(ByteOrder.LITTLE_ENDIAN));
    }

    /** A JCuda pointer {@code offset} bytes in. */
    Pointer at(long offset) {
        return offset == 0 ? pointer : pointer.withByteOffset(offset);
    }

    @Override
    public void close() {
        if (freed) return;
        freed = true;
        JCudaDriver.cuMemFreeHost(pointer);
    }
}
