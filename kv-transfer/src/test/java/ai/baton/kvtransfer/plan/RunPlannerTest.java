package ai.baton.kvtransfer.plan;

import ai.baton.kvtransfer.KvLayout;
import ai.baton.kvtransfer.KvPoolLayout;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class RunPlannerTest {

    @Test
    void contiguousBlocksWithAllHeadsMergeIntoOneRun() {
        KvPoolLayout l = KvPoolLayout.of(2, 16, 4, 4, 8, 2, KvLayout.HND);
        SliceRoute all = new SliceRoute(0, 0, 0, 4, 0, 0);
        List<CopyRun> runs = RunPlanner.runs(l, l, all, new int[] {3, 4, 5, 6}, new int[] {8, 9, 10, 11});
        assertEquals(List.of(new CopyRun(3 * l.blockBytes(), 8 * l.blockBytes(), 4 * l.blockBytes())), runs);
    }

    @Test
    void nonContiguousBlocksGiveOneRunPerBreak() {
        KvPoolLayout l = KvPoolLayout.of(1, 16, 4, 4, 8, 2, KvLayout.HND);
        SliceRoute all = new SliceRoute(0, 0, 0, 4, 0, 0);
        List<CopyRun> runs = RunPlanner.runs(l, l, all, new int[] {0, 1, 7, 2}, new int[] {5, 6, 7, 9});
        assertEquals(3, runs.size());
        assertEquals(2 * l.blockBytes(), runs.get(0).length());
    }

    @Test
    void headSliceOfHndIsOneRunPerBlock() {
        KvPoolLayout src = KvPoolLayout.of(1, 8, 4, 8, 16, 2, KvLayout.HND);          // TP 1: 8 heads
        KvPoolLayout dst = src.withTp(1, 2);                                            // TP 2 rank 1: heads 4..7
        SliceRoute r = new SliceRoute(0, 1, 4, 4, 4, 0);
        List<CopyRun> runs = RunPlanner.runs(src, dst, r, new int[] {2, 3}, new int[] {0, 1});
        assertEquals(2, runs.size()); // source slice is strided per block, destination contiguous
        long slice = 4L * 4 * 16 * 2;
        assertEquals(new CopyRun(src.offset(2, 4, 0), 0, slice), runs.get(0));
        assertEquals(new CopyRun(src.offset(3, 4, 0), dst.blockBytes(), slice), runs.get(1));
    }

    @Test
    void nhdSliceIsOneRunPerTokenUnlessAllHeads() {
        KvPoolLayout src = KvPoolLayout.of(1, 8, 4, 8, 16, 2, KvLayout.NHD);
        KvPoolLayout dst = src.withTp(0, 2);
        List<CopyRun> sliced = RunPlanner.runs(src, dst, new SliceRoute(0, 0, 0, 4, 0, 0), new int[] {1}, new int[] {3});
        assertEquals(4, sliced.size());
        List<CopyRun> whole = RunPlanner.runs(src, src, new SliceRoute(0, 0, 0, 8, 0, 0), new int[] {1, 2}, new int[] {3, 4});
        assertEquals(1, whole.size());
        assertEquals(2 * src.blockBytes(), whole.get(0).length());
    }

    /** The runs copy exactly the bytes of the routed heads of every block pair, and nothing else. */
    @Test
    void runsCoverExactlyTheRoutedBytes() {
        Random rnd = new Random(7);
        for (KvLayout layout : KvLayout.values()) {
            for (int trial = 0; trial < 50; trial++) {
                int heads = 8, n = 1 << rnd.nextInt(4), m = 1 << rnd.nextInt(4);
                KvPoolLayout base = KvPoolLayout.of(1, 12, 1 + rnd.nextInt(4), heads, 2 + rnd.nextInt(3), 2, layout);
                int[] src = distinct(rnd, 12, 5), dst = distinct(rnd, 12, 5);
                for (SliceRoute r : HeadSlicePlanner.plan(heads, n, m)) {
                    KvPoolLayout s = base.withTp(r.srcRank(), n), d = base.withTp(r.dstRank(), m);
                    byte[] srcMem = new byte[(int) s.regionBytes()], dstMem = new byte[(int) d.regionBytes()];
                    for (int i = 0; i < srcMem.length; i++) srcMem[i] = (byte) (i * 31 + 7);
                    for (CopyRun c : RunPlanner.runs(s, d, r, src, dst)) {
                        System.arraycopy(srcMem, (int) c.srcOffset(), dstMem, (int) c.dstOffset(), (int) c.length());
                    }
                    byte[] expect = new byte[dstMem.length];
                    for (int i = 0; i < src.length; i++) {
                        for (int h = 0; h < r.numHeads(); h++) {
                            for (int t = 0; t < s.blockSize(); t++) {
                                long so = s.offset(src[i], r.srcLocalHead() + h, t), dof = d.offset(dst[i], r.dstLocalHead() + h, t);
                                System.arraycopy(srcMem, (int) so, expect, (int) dof, (int) s.tokenHeadBytes());
                            }
                        }
                    }
                    assertArrayEquals(expect, dstMem, layout + " " + n + "->" + m + " " + r);
                }
            }
        }
    }

    private static int[] distinct(Random rnd, int bound, int n) {
        return rnd.ints(0, bound).distinct().limit(n).toArray();
    }

    @Test
    void rejectsMismatchedLayouts() {
        KvPoolLayout a = KvPoolLayout.of(1, 8, 4, 8, 16, 2, KvLayout.HND);
        KvPoolLayout b = KvPoolLayout.of(1, 8, 4, 8, 16, 2, KvLayout.NHD);
        assertThrows(IllegalArgumentException.class, () -> RunPlanner.runs(a, b, new SliceRoute(0, 0, 0, 8, 0, 0), new int[] {0}, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> RunPlanner.runs(a, a, new SliceRoute(0, 0, 0, 8, 0, 0), new int[] {0, 1}, new int[] {0}));
        assertThrows(IllegalArgumentException.class, () -> RunPlanner.runs(a, a, new SliceRoute(0, 0, 0, 8, 0, 0), new int[] {8}, new int[] {0}));
    }
}
