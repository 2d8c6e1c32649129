package ai.baton.kvtransfer.plan;

import ai.baton.kvtransfer.HeadRange;
import ai.baton.kvtransfer.TpShard;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Decides which source rank sends which heads to which destination rank when the prefill side runs
 * TP={@code n} and the decode side TP={@code m}. A pure function: both ends compute the same plan, so
 * the receiver knows which senders to wait for without being told.
 *
 * <p>Every (destination rank, head it owns) pair is served by exactly one source rank. When the source
 * replicates heads (n &gt; heads), destination {@code d} takes replica {@code d mod replicas}, which spreads
 * the load over the replicas.
 */
public final class HeadSlicePlanner {
    private HeadSlicePlanner() {}

    public static List<SliceRoute> plan(int totalHeads, int srcTp, int dstTp) {
        TpShard.validate(totalHeads, srcTp);
        TpShard.validate(totalHeads, dstTp);
        List<SliceRoute> routes = new ArrayList<>();
        int srcReplicas = TpShard.replicas(totalHeads, srcTp);
        for (int dst = 0; dst < dstTp; dst++) {
            HeadRange dstHeads = TpShard.headsOf(totalHeads, dstTp, dst);
            int h = dstHeads.start();
            while (h < dstHeads.end()) {
                int src = sourceOf(totalHeads, srcTp, srcReplicas, h, dst);
                HeadRange srcHeads = TpShard.headsOf(totalHeads, srcTp, src);
                int end = Math.min(dstHeads.end(), srcHeads.end());
                routes.add(new SliceRoute(src, dst, h, end - h, h - srcHeads.start(), h - dstHeads.start()));
                h = end;
            }
        }
        return routes;
    }

    /** Routes a given source rank must send. */
    public static List<SliceRoute> routesFrom(int totalHeads, int srcTp, int dstTp, int srcRank) {
        return plan(totalHeads, srcTp, dstTp).stream().filter(r -> r.srcRank() == srcRank).toList();
    }

    /** Routes a given destination rank receives. */
    public static List<SliceRoute> routesTo(int totalHeads, int srcTp, int dstTp, int dstRank) {
        return plan(totalHeads, srcTp, dstTp).stream().filter(r -> r.dstRank() == dstRank).toList();
    }

    /** Source ranks a destination rank must hear from before its KV is complete. */
    public static SortedSet<Integer> sourcesOf(int totalHeads, int srcTp, int dstTp, int dstRank) {
        SortedSet<Integer> s = new TreeSet<>();
        for (SliceRoute r : routesTo(totalHeads, srcTp, dstTp, dstRank)) s.add(r.srcRank());
        return s;
    }

    private static int sourceOf(int totalHeads, int srcTp, int srcReplicas, int head, int dstRank) {
        if (srcReplicas == 1) return head / (totalHeads / srcTp);
        return head * srcReplicas + dstRank % srcReplicas;
    }
}
