package ai.baton.router.routing;

import ai.baton.router.registry.NodeHandle;

import java.util.List;

/**
 * Cache-aware choice of the prefill node, after sgl-router: when load is even enough, send the prompt to the node
 * whose tree holds the longest prefix of it (if that covers more than {@code cacheThreshold} of the prompt), else
 * to the node with the smallest tree (most room to cache); when load is uneven by more than both the absolute and
 * the relative threshold, ignore the cache and take the least loaded node. The chosen node's tree then records the
 * prompt.
 */
public final class PrefillPolicy {
    private final RoutingConfig config;

    public PrefillPolicy(RoutingConfig config) {
        this.config = config;
    }

    public PrefillChoice choose(int[] prompt, List<NodeHandle> candidates) {
        if (candidates.isEmpty()) throw new IllegalArgumentException("no candidates");
        int minLoad = Integer.MAX_VALUE, maxLoad = 0;
        for (NodeHandle n : candidates) {
            int l = n.prefillLoad();
            minLoad = Math.min(minLoad, l);
            maxLoad = Math.max(maxLoad, l);
        }
        boolean imbalanced = maxLoad - minLoad > config.balanceAbsThreshold()
                && maxLoad > minLoad * config.balanceRelThreshold();
        PrefillChoice choice;
        if (imbalanced) {
            NodeHandle best = null;
            for (NodeHandle n : candidates) if (best == null || n.prefillLoad() < best.prefillLoad()) best = n;
            choice = new PrefillChoice(best, RouteReason.LOAD_BALANCE, best.tree().matchLength(prompt));
        } else {
            NodeHandle best = null;
            int bestMatch = -1;
            for (NodeHandle n : candidates) {
                int m = n.tree().matchLength(prompt);
                if (m > bestMatch || (m == bestMatch && n.prefillLoad() < best.prefillLoad())) {
                    best = n;
                    bestMatch = m;
                }
            }
            double rate = prompt.length == 0 ? 0 : (double) bestMatch / prompt.length;
            if (bestMatch > 0 && rate > config.cacheThreshold()) {
                choice = new PrefillChoice(best, RouteReason.CACHE_HIT, bestMatch);
            } else {
                NodeHandle roomiest = null;
                for (NodeHandle n : candidates) {
                    if (roomiest == null || n.tree().size() < roomiest.tree().size()
                            || (n.tree().size() == roomiest.tree().size() && n.prefillLoad() < roomiest.prefillLoad())) {
                        roomiest = n;
                    }
                }
                choice = new PrefillChoice(roomiest, RouteReason.CACHE_MISS, roomiest.tree().matchLength(prompt));
            }
        }
        choice.node().tree().insert(prompt);
        return choice;
    }
}
