package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.Backend;
import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

/**
 * A bf16 device buffer on one rank's GPU for measuring and checking collectives outside a model (the all-reduce
 * benchmark). Owned by the rank's backend heap, freed on {@link #close} or with the backend.
 */
public final class NcclBuffer implements AutoCloseable {
    final CudaBackend backend;
    final DeviceMemory memory;
    public final long count;

    private NcclBuffer(CudaBackend backend, DeviceMemory memory, long count) {
        this.backend = backend;
        this.memory = memory;
        this.count = count;
    }

    /** {@code count} bf16 elements on the backend's GPU (contents undefined). */
    public static NcclBuffer bf16(Backend backend, long count) {
        CudaBackend b = (CudaBackend) backend;
        CudaContext cx = b.context();
        cx.bind();
        return new NcclBuffer(b, cx.heap.allocate(2 * count), count);
    }

    /** Sets every element to {@code value} (rounded to bf16), queued on the rank's stream. */
    public void fill(float value) {
        CudaContext cx = backend.context();
        cx.bind();
        short bits = (short) (Float.floatToRawIntBits(value) >>> 16);
        Cu.check(JCudaDriver.cuMemsetD16Async(memory.ptr, bits, count, cx.stream), "cuMemsetD16Async");
    }

    /** Waits for the rank's stream, then reads {@code n} elements from {@code offset} as floats. */
    public float[] read(long offset, int n) {
        CudaContext cx = backend.context();
        cx.bind();
        cx.synchronize();
        short[] raw = new short[n];
        Cu.check(JCudaDriver.cuMemcpyDtoH(Pointer.to(raw), memory.at(2 * offset), 2L * n), "cuMemcpyDtoH");
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((raw[i] & 0xffff) << 16);
        return out;
    }

    @Override
    public void close() {
        backend.context().bind();
        backend.context().heap.free(memory);
    }
}
