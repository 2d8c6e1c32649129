package ai.baton.kvtransfer.plan;

import ai.baton.kvtransfer.HeadRange;
import ai.baton.kvtransfer.TpShard;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class HeadSlicePlannerTest {

    /** Every valid TP degree for a head count: divisors and multiples (up to 64). */
    static List<Integer> tps(int heads) {
        List<Integer> out = new ArrayList<>();
        for (int t = 1; t <= 32; t++) {
            if (t <= heads ? heads % t == 0 : t % heads == 0) out.add(t);
        }
        return out;
    }

    @Test
    void everyDestinationHeadIsServedExactlyOnceByAnOwner() {
        int cases = 0;
        for (int heads : new int[] {1, 2, 3, 4, 8, 12, 16, 32}) {
            for (int n : tps(heads)) {
                for (int m : tps(heads)) {
                    check(heads, n, m);
                    cases++;
                }
            }
        }
        assertTrue(cases > 200, "exhaustive sweep ran " + cases + " cases");
    }

    private static void check(int heads, int n, int m) {
        List<SliceRoute> plan = HeadSlicePlanner.plan(heads, n, m);
        Map<Long, Integer> served = new HashMap<>();
        Map<Integer, Integer> perSource = new HashMap<>();
        for (SliceRoute r : plan) {
            String ctx = "heads=" + heads + " " + n + "->" + m + " " + r;
            assertTrue(r.numHeads() > 0, ctx);
            HeadRange src = TpShard.headsOf(heads, n, r.srcRank());
            HeadRange dst = TpShard.headsOf(heads, m, r.dstRank());
            for (int h = r.globalHead(); h < r.globalHead() + r.numHeads(); h++) {
                assertTrue(src.contains(h), "source must own head " + h + ": " + ctx);
                assertTrue(dst.contains(h), "destination must own head " + h + ": " + ctx);
                assertNull(served.put(((long) r.dstRank() << 32) | h, r.srcRank()), "head served twice: " + ctx);
            }
            assertEquals(r.globalHead() - src.start(), r.srcLocalHead(), ctx);
            assertEquals(r.globalHead() - dst.start(), r.dstLocalHead(), ctx);
            perSource.merge(r.srcRank(), r.numHeads(), Integer::sum);
        }
        for (int d = 0; d < m; d++) {
            HeadRange dst = TpShard.headsOf(heads, m, d);
            for (int h = dst.start(); h < dst.end(); h++) {
                assertTrue(served.containsKey(((long) d << 32) | h), "head " + h + " of dst " + d + " unserved, heads=" + heads + " " + n + "->" + m);
            }
        }
        // Replicated sources share the load: no source sends more than its fair share rounded up.
        int total = served.size();
        int max = perSource.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int distinctSources = Math.min(n, total);
        assertTrue(max <= (total + distinctSources - 1) / distinctSources + (n > heads ? 0 : total),
                "load " + perSource + " heads=" + heads + " " + n + "->" + m);
        // sourcesOf agrees with the routes (first and last destination rank).
        for (int d : new int[] {0, m - 1}) {
            final int dd = d;
            var expected = plan.stream().filter(r -> r.dstRank() == dd).map(SliceRoute::srcRank).distinct().sorted().toList();
            assertEquals(expected, List.copyOf(HeadSlicePlanner.sourcesOf(heads, n, m, d)));
        }
    }

    @Test
    void concreteCases() {
        // 8 heads, TP 2 -> 4: each destination rank gets 2 heads from one source.
        assertEquals(List.of(
                new SliceRoute(0, 0, 0, 2, 0, 0), new SliceRoute(0, 1, 2, 2, 2, 0),
                new SliceRoute(1, 2, 4, 2, 0, 0), new SliceRoute(1, 3, 6, 2, 2, 0)), HeadSlicePlanner.plan(8, 2, 4));
        // 8 heads, TP 2 -> 1: the single destination hears from both sources.
        assertEquals(List.of(new SliceRoute(0, 0, 0, 4, 0, 0), new SliceRoute(1, 0, 4, 4, 0, 4)), HeadSlicePlanner.plan(8, 2, 1));
        // 2 heads, TP 4 (replicated) -> 4 (replicated): each destination takes a different source replica.
        List<SliceRoute> rep = HeadSlicePlanner.plan(2, 4, 4);
        assertEquals(List.of(new SliceRoute(0, 0, 0, 1, 0, 0), new SliceRoute(1, 1, 0, 1, 0, 0),
                new SliceRoute(2, 2, 1, 1, 0, 0), new SliceRoute(3, 3, 1, 1, 0, 0)), rep);
        // 2 heads, TP 1 -> 4: destinations replicate, each gets its copy from rank 0.
        assertEquals(4, HeadSlicePlanner.plan(2, 1, 4).size());
        assertTrue(HeadSlicePlanner.plan(2, 1, 4).stream().allMatch(r -> r.srcRank() == 0 && r.numHeads() == 1));
    }

    @Test
    void rejectsTpThatDoesNotDivide() {
        assertThrows(IllegalArgumentException.class, () -> HeadSlicePlanner.plan(8, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> HeadSlicePlanner.plan(4, 1, 6));
    }
}
