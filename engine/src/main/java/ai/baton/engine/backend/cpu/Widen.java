package ai.baton.engine.backend.cpu;

import ai.baton.engine.weights.DType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Widening stored weights (bf16 / fp16 / fp32) into fp32 arrays, vectorised for bf16 and fp32. */
final class Widen {
    private Widen() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = F.length() == 16 ? ShortVector.SPECIES_256
            : F.length() == 8 ? ShortVector.SPECIES_128 : ShortVector.SPECIES_64;

    /** dst[0..n) = src elements starting at byte offset {@code off}. */
    static void row(MemorySegment src, DType dtype, long off, float[] dst, int n) {
        int i = 0;
        switch (dtype) {
            case F32 -> {
                for (int ub = F.loopBound(n); i < ub; i += F.length())
                    FloatVector.fromMemorySegment(F, src, off + 4L * i, ByteOrder.LITTLE_ENDIAN).intoArray(dst, i);
                for (; i < n; i++) dst[i] = src.get(ValueLayout.JAVA_FLOAT_UNALIGNED, off + 4L * i);
            }
            case BF16 -> {
                for (int ub = F.loopBound(n); i < ub; i += F.length()) {
                    ShortVector s = ShortVector.fromMemorySegment(S, src, off + 2L * i, ByteOrder.LITTLE_ENDIAN);
                    IntVector w = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
                    w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, i);
                }
                for (; i < n; i++)
                    dst[i] = Float.intBitsToFloat((src.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 2L * i) & 0xffff) << 16);
            }
            case F16 -> {
                for (; i < n; i++) dst[i] = Float.float16ToFloat(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 2L * i));
            }
        }
    }

    /** Elements per pair chunk: one int vector of bf16 pairs, widened to an even and an odd float vector. */
    static final int PAIR_CHUNK = 2 * F.length();
    private static final int HIGH_HALF = 0xFFFF0000;

    /** F.length() ints from byte offset {@code off}: 2 F.length() bf16 values, two per lane (little-endian). */
    static IntVector pairs(MemorySegment src, long off) {
        return IntVector.fromMemorySegment(I, src, off, ByteOrder.LITTLE_ENDIAN);
    }

    /** The even elements of a chunk of pairs (each lane's low half), as fp32. */
    static FloatVector even(IntVector pairs) {
        return (FloatVector) pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The odd elements of a chunk of pairs (each lane's high half), as fp32. */
    static FloatVector odd(IntVector pairs) {
        return (FloatVector) pairs.lanewise(VectorOperators.AND, HIGH_HALF).reinterpretAsFloats();
    }

    static float bf16(MemorySegment src, long off) {
        return Float.intBitsToFloat((src.get(ValueLayout.JAVA_SHORT_UNALIGNED, off) & 0xffff) << 16);
    }

    /** A bf16 row widened by pairs: per chunk of {@link #PAIR_CHUNK}, the even elements then the odd; the tail as is. */
    static void rowPairs(MemorySegment src, long off, float[] dst, int n) {
        int lanes = F.length(), end = n - n % PAIR_CHUNK, i = 0;
        for (; i < end; i += PAIR_CHUNK) {
            IntVector v = pairs(src, off + 2L * i);
            even(v).intoArray(dst, i);
            odd(v).intoArray(dst, i + lanes);
        }
        for (; i < n; i++) dst[i] = bf16(src, off + 2L * i);
    }

    /** {@code rows} rows of {@code n} activations into {@code out}, laid out as {@link #rowPairs} lays out weights. */
    static void permutePairs(float[] x, int rows, int n, float[] out) {
        int lanes = F.length(), end = n - n % PAIR_CHUNK;
        for (int r = 0; r < rows; r++) {
            int base = r * n, i = 0;
            for (; i < end; i += PAIR_CHUNK)
                for (int k = 0; k < lanes; k++) {
                    out[base + i + k] = x[base + i + 2 * k];
                    out[base + i + lanes + k] = x[base + i + 2 * k + 1];
                }
            System.arraycopy(x, base + end, out, base + end, n - end);
        }
    }
}
