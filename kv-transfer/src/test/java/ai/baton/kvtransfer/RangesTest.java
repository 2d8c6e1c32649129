package ai.baton.kvtransfer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RangesTest {

    @Test
    void hostRangesMergeWhenTheyTouch() {
        List<long[]> m = KvAgent.merge(List.of(new long[] {200, 300}, new long[] {100, 200}, new long[] {400, 500}));
        assertEquals(2, m.size());
        assertArrayEquals(new long[] {100, 300}, m.get(0));
    }

    /** Adjacent CUDA allocations stay separate chunks: each needs its own IPC handle. */
    @Test
    void deviceRangesOnlyDropDuplicates() {
        List<long[]> d = KvAgent.distinct(List.of(new long[] {200, 300}, new long[] {100, 200}, new long[] {100, 200}));
        assertEquals(2, d.size());
        assertArrayEquals(new long[] {100, 200}, d.get(0));
        assertArrayEquals(new long[] {200, 300}, d.get(1));
    }
}
