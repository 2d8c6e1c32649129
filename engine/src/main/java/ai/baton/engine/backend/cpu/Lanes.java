package ai.baton.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** Deterministic horizontal sums of vectors. */
final class Lanes {
    private Lanes() {}

    private static final VectorSpecies<Float> F = Widen.F;
    // SWAPk exchanges lanes i and i ^ k: one level of a pairwise sum tree. Separate constants (not an array) so the
    // JIT sees each shuffle as a constant and emits one permute.
    private static final VectorShuffle<Float> SWAP8 = swap(8), SWAP4 = swap(4), SWAP2 = swap(2), SWAP1 = swap(1);

    private static VectorShuffle<Float> swap(int k) {
        return VectorShuffle.fromOp(F, i -> (i ^ k) % F.length());
    }

    /**
     * The lanes' sum by a fixed pairwise tree (lane i with lane i + L/2, then i + L/4, ...). Not reduceLanes: its
     * order is the implementation's, and the interpreter's and the JIT's differ, so a method not yet compiled would
     * round differently from one that is (a request's results would depend on how warm the process is, and on which
     * path its batch took). Every step here is a lane-wise add, exact in either. Reading lanes one by one was the
     * other way to fix the order, but {@code lane(k)} with a variable k is not compiled to one instruction, and it
     * cost a decode step more than its weight streaming did.
     */
    static float sum(FloatVector v) {
        int n = F.length();
        if (n >= 16) v = v.add(v.rearrange(SWAP8));
        if (n >= 8) v = v.add(v.rearrange(SWAP4));
        if (n >= 4) v = v.add(v.rearrange(SWAP2));
        if (n >= 2) v = v.add(v.rearrange(SWAP1));
        return v.lane(0);
    }
}
