package ai.baton.engine.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/** A named tensor in host memory (usually a slice of a memory-mapped safetensors file), row-major. */
public record TensorData(String name, DType dtype, long[] shape, MemorySegment data) {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public int rows() { return shape.length == 1 ? 1 : (int) shape[0]; }

    public int cols() { return (int) shape[shape.length - 1]; }

    /** Element i widened to fp32. */
    public float get(long i) {
        return switch (dtype) {
            case F32 -> data.getAtIndex(FLOAT, i);
            case BF16 -> Float.intBitsToFloat((data.getAtIndex(SHORT, i) & 0xffff) << 16);
            case F16 -> Float.float16ToFloat(data.getAtIndex(SHORT, i));
        };
    }

    /** The whole tensor widened to fp32 (for small tensors: norms, biases). */
    public float[] toFloats() {
        float[] out = new float[Math.toIntExact(elementCount())];
        for (int i = 0; i < out.length; i++) out[i] = get(i);
        return out;
    }

    /** Elements [from, to) of a 1-D tensor, zero-copy. */
    public TensorData slice(long from, long to) {
        return new TensorData(name, dtype, new long[]{to - from}, data.asSlice(from * dtype.bytes, (to - from) * dtype.bytes));
    }

    /** 1-D tensors of one dtype laid end to end in a new heap-backed segment (for small fused vectors: biases). */
    public static TensorData concat(String name, TensorData... parts) {
        long bytes = 0, n = 0;
        for (TensorData p : parts) { bytes += p.data.byteSize(); n += p.elementCount(); }
        MemorySegment out = MemorySegment.ofArray(new byte[Math.toIntExact(bytes)]);
        long at = 0;
        for (TensorData p : parts) {
            if (p.dtype != parts[0].dtype) throw new IllegalArgumentException("cannot concatenate " + p.name + ": dtype differs");
            MemorySegment.copy(p.data, 0, out, at, p.data.byteSize());
            at += p.data.byteSize();
        }
        return new TensorData(name, parts[0].dtype, new long[]{n}, out);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
