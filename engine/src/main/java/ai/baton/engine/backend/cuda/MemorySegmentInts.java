package ai.baton.engine.backend.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Bulk copies between Java arrays and (pinned) native segments. */
final class MemorySegmentInts {
    private MemorySegmentInts() {}

    static void copy(int[] src, int n, MemorySegment dst) {
        MemorySegment.copy(src, 0, dst, ValueLayout.JAVA_INT, 0, n);
    }

    static void copyFloats(MemorySegment src, float[] dst) {
        MemorySegment.copy(src, ValueLayout.JAVA_FLOAT, 0, dst, 0, dst.length);
    }
}
