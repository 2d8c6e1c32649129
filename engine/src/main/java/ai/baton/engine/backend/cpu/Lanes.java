package ai.baton.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;

/** Deterministic horizontal sums of vectors. */
final class Lanes {
    private Lanes() {}

    /**
     * The lanes' sum, lane 0 first. Not reduceLanes: its order is the implementation's, and the interpreter's and the
     * JIT's differ, so a method not yet compiled would round differently from one that is (a request's results would
     * depend on how warm the process is, and on which path its batch took).
     */
    static float sum(FloatVector v) {
        float s = 0f;
        for (int k = 0; k < v.length(); k++) s += v.lane(k);
        return s;
    }
}
