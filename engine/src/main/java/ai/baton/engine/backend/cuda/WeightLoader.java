package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.Backend.WeightSlice;
import ai.baton.engine.weights.DType;
import ai.baton.engine.weights.TensorData;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.JCudaDriver;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Weights into device memory: matrices as bf16, vectors ([1, n]: norms, biases) as fp32. Host data goes through two
 * pinned staging halves, so converting or copying the next piece overlaps the DMA of the last; tensors from
 * {@link DeviceSyntheticWeights} are generated in place by a kernel instead.
 */
final class WeightLoader implements AutoCloseable {
    private static final long HALF = 16L << 20;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final CudaContext cx;
    private PinnedHost staging;
    private final CUevent[] done = {new CUevent(), new CUevent()};
    private final boolean[] pending = new boolean[2];
    private boolean eventsCreated;
    private int half;
    private long used;

    WeightLoader(CudaContext cx) { this.cx = cx; }

    CudaTensor load(List<WeightSlice> parts) {
        int cols = parts.getFirst().colCount(), rows = 0;
        for (WeightSlice p : parts) {
            if (p.colCount() != cols) throw new IllegalArgumentException("cannot fuse " + p.tensor().name() + ": width differs");
            rows += p.rowCount();
        }
        boolean vector = rows == 1;
        CudaTensor.DType dt = vector ? CudaTensor.DType.F32 : CudaTensor.DType.BF16;
        DeviceMemory mem = cx.heap.allocate((long) rows * cols * dt.bytes);
        CudaTensor.Storage st = new CudaTensor.Storage(mem, rows, cols, dt, true);
        long at = 0;
        for (WeightSlice p : parts) {
            DeviceSyntheticWeights.Spec spec = DeviceSyntheticWeights.spec(p.tensor());
            if (spec != null) {
                if (vector) throw new IllegalStateException("synthetic vectors are host tensors");
                long n = (long) p.rowCount() * p.colCount();
                int blocks = (int) Math.min(cx.smCount * 32L, Math.max(1, (n + 255) / 256));
                cx.launch("fill_uniform_bf16", blocks, 1, 1, 256, 0, mem.address + at, (long) p.rowCount(), p.colCount(),
                        (long) p.rowFrom(), p.colFrom(), (long) p.tensor().cols(), spec.seed(), spec.scale());
                at += n * dt.bytes;
            } else {
                at = upload(p, mem, at, dt);
            }
        }
        return new CudaTensor(st, rows);
    }

    private long upload(WeightSlice p, DeviceMemory mem, long at, CudaTensor.DType dt) {
        TensorData t = p.tensor();
        DType src = t.dtype();
        int cols = p.colCount();
        long rowBytesOut = (long) cols * dt.bytes;
        int rowsPerChunk = (int) Math.max(1, Math.min(p.rowCount(), HALF / Math.max(1, rowBytesOut)));
        if (rowBytesOut > HALF) throw new IllegalArgumentException("row of " + t.name() + " exceeds the staging buffer");
        for (int r0 = p.rowFrom(); r0 < p.rowTo(); r0 += rowsPerChunk) {
            int r1 = Math.min(p.rowTo(), r0 + rowsPerChunk);
            MemorySegment buf = nextHalf();
            long off = 0;
            boolean rawRows = src == DType.BF16 && dt == CudaTensor.DType.BF16;
            if (rawRows && p.colFrom() == 0 && p.colTo() == t.cols()) {
                long bytes = (long) (r1 - r0) * rowBytesOut;
                MemorySegment.copy(t.data(), (long) r0 * t.cols() * 2, buf, 0, bytes);
                off = bytes;
            } else {
                for (int r = r0; r < r1; r++) {
                    long base = (long) r * t.cols() + p.colFrom();
                    if (rawRows) {
                        MemorySegment.copy(t.data(), base * 2, buf, off, (long) cols * 2);
                    } else {
                        for (int c = 0; c < cols; c++) {
                            float v = widen(t.data(), src, base + c);
                            if (dt == CudaTensor.DType.F32) buf.set(FLOAT, off + 4L * c, v);
                            else buf.set(SHORT, off + 2L * c, toBf16(v));
                        }
                    }
                    off += rowBytesOut;
                }
            }
            Cu.check(JCudaDriver.cuMemcpyHtoDAsync(mem.at(at), staging.at((long) half * HALF), off, cx.stream), "weight upload");
            Cu.check(JCudaDriver.cuEventRecord(done[half], cx.stream), "cuEventRecord");
            pending[half] = true;
            at += off;
        }
        return at;
    }

    /** The staging half to fill next, once its previous copy has finished. */
    private MemorySegment nextHalf() {
        if (staging == null) {
            staging = new PinnedHost(2 * HALF);
            Cu.check(JCudaDriver.cuEventCreate(done[0], CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            Cu.check(JCudaDriver.cuEventCreate(done[1], CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            eventsCreated = true;
            half = 1;
        }
        half ^= 1;
        if (pending[half]) Cu.check(JCudaDriver.cuEventSynchronize(done[half]), "weight upload");
        pending[half] = false;
        used++;
        return staging.segment.asSlice((long) half * HALF, HALF);
    }

    static float widen(MemorySegment data, DType dtype, long i) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(FLOAT, i);
            case BF16 -> Float.intBitsToFloat((data.getAtIndex(SHORT, i) & 0xffff) << 16);
            case F16 -> Float.float16ToFloat(data.getAtIndex(SHORT, i));
        };
    }

    /** Round to nearest even, as torch's float -> bfloat16 (NaN stays NaN). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    /** Waits for uploads in flight and frees the staging memory (weights are loaded once). */
    void finish() {
        if (staging == null) return;
        cx.synchronize();
        staging.close();
        staging = null;
        if (eventsCreated) {
            JCudaDriver.cuEventDestroy(done[0]);
            JCudaDriver.cuEventDestroy(done[1]);
            eventsCreated = false;
        }
        pending[0] = pending[1] = false;
    }

    @Override
    public void close() { finish(); }
}
