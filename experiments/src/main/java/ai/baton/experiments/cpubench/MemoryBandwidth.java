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
            FloatVector acc = FloatVector.zero(F);
            long from = t * chunk, to = t == threads - 1 ? n / F.length() * F.length() : from + chunk;
            for (long i = from; i < to; i += F.length())
                acc = acc.add(FloatVector.fromMemorySegment(F, seg, i * 4, ByteOrder.LITTLE_ENDIAN));
            return acc.reduceLanes(VectorOperators.ADD);
        }).sum();
    }
}
