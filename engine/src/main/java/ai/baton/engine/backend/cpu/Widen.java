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
}
