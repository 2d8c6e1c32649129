package ai.baton.engine.backend.cpu;

import ai.baton.engine.weights.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The linear layer against a double-precision reference, and batch invariance across its paths: a token alone
 * (bf16 widened inside the dot) gives bit for bit what it gives among others (rows widened first), tails included,
 * and the same bits before and after the JIT compiles it.
 */
class MatmulTest {
    @ParameterizedTest(name = "{0} {1}x{2}")
    @CsvSource({"BF16, 13, 1035", "BF16, 8, 64", "BF16, 5, 7", "F32, 13, 1035"})
    void aloneEqualsBatchedAndMatchesTheReference(DType dtype, int rows, int cols) {
        Random rnd = new Random(rows * 31L + cols);
        MemorySegment seg = Arena.ofAuto().allocate((long) rows * cols * dtype.bytes, 64);
        double[] w = new double[rows * cols];
        for (int i = 0; i < w.length; i++) {
            float v = (float) rnd.nextGaussian() * 0.05f;
            if (dtype == DType.BF16) {
                short h = (short) (Float.floatToIntBits(v) >>> 16);
                seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, h);
                w[i] = Float.intBitsToFloat((h & 0xffff) << 16);
            } else {
                seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i, v);
                w[i] = v;
            }
        }
        CpuWeight weight = new CpuWeight(seg, dtype, rows, cols);
        int tokens = 7;  // four, two and one token at a time
        float[] x = new float[tokens * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        Parallel p = new Parallel(2);
        try {
            Matmul mm = new Matmul(p);
            float[] batched = new float[tokens * rows];
            mm.linear(new CpuTensor(x, tokens, cols), weight, null, new CpuTensor(batched, tokens, rows));
            // Cold (interpreted) and warm (JIT-compiled) runs of the one-token path give the same bits.
            float[] cold = new float[rows], warm = new float[rows];
            CpuTensor x0 = new CpuTensor(Arrays.copyOf(x, cols), 1, cols);
            mm.linear(x0, weight, null, new CpuTensor(cold, 1, rows));
            for (int k = 0; k < 3000; k++) mm.linear(x0, weight, null, new CpuTensor(warm, 1, rows));
            assertArrayEquals(cold, warm, "cold vs warm");
            for (int t = 0; t < tokens; t++) {
                float[] one = new float[rows];
                mm.linear(new CpuTensor(Arrays.copyOfRange(x, t * cols, (t + 1) * cols), 1, cols), weight, null, new CpuTensor(one, 1, rows));
                assertArrayEquals(Arrays.copyOfRange(batched, t * rows, (t + 1) * rows), one, "token " + t + " alone vs batched");
                for (int j = 0; j < rows; j++) {
                    double ref = 0, mag = 0;
                    for (int i = 0; i < cols; i++) {
                        ref += w[j * cols + i] * x[t * cols + i];
                        mag += Math.abs(w[j * cols + i] * x[t * cols + i]);
                    }
                    assertTrue(Math.abs(one[j] - ref) <= 1e-5 * mag + 1e-6, "row " + j + ": " + one[j] + " vs " + ref);
                }
            }
        } finally {
            p.close();
        }
    }
}
