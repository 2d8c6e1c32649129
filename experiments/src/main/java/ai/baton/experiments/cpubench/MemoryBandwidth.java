package ai.baton.experiments.cpubench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Measures the host's read bandwidth the way a decode step uses it: all threads streaming a buffer much larger
 * than the caches once, with vector loads. This is the denominator of the decode floor.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private MemoryBandwidth() {}

    /** Best-of-{@code repeats} read bandwidth in bytes per second over a {@code bytes}-sized buffer. */
    public static double measure(long bytes, int threads, int repeats) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(bytes, 64);
            seg.fill((byte) 1);
            // Compile the loop first: an interpreted pass over gigabytes would be the slowest "bandwidth" by far.
            for (int w = 0; w < 20; w++) read(seg.asSlice(0, Math.min(bytes, 1L << 20)), threads);
            double best = 0;
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                double sink = read(seg, threads);
                long dt = System.nanoTime() - t0;
                if (sink == 42) System.out.print("");
                best = Math.max(best, bytes / (dt / 1e9));
            }
            return best;
        }
    }

    private static double read(MemorySegment seg, int threads) {
        long n = seg.byteSize() / 4;
        long chunk = (n / threads) / F.length() * F.length();
        return IntStream.range(0, threads).parallel().mapToDouble(t -> {
            // Four accumulators, so the adds' latency does not limit how many loads are in flight.
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            int l = F.length();
            long from = t * chunk, to = t == threads - 1 ? n / l * l : from + chunk, i = from;
            for (; i + 4L * l <= to; i += 4L * l) {
                a0 = a0.add(FloatVector.fromMemorySegment(F, seg, i * 4, ByteOrder.LITTLE_ENDIAN));
                a1 = a1.add(FloatVector.fromMemorySegment(F, seg, (i + l) * 4, ByteOrder.LITTLE_ENDIAN));
                a2 = a2.add(FloatVector.fromMemorySegment(F, seg, (i + 2L * l) * 4, ByteOrder.LITTLE_ENDIAN));
                a3 = a3.add(FloatVector.fromMemorySegment(F, seg, (i + 3L * l) * 4, ByteOrder.LITTLE_ENDIAN));
            }
            for (; i < to; i += l) a0 = a0.add(FloatVector.fromMemorySegment(F, seg, i * 4, ByteOrder.LITTLE_ENDIAN));
            return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
        }).sum();
    }
}
