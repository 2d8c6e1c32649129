package ai.baton.router.routing;

import ai.baton.router.registry.NodeHandle;

import java.util.List;

/**
 * Choice of the decode node: among the nodes with room for the request's KV (prompt + max tokens), the one running
 * the fewest requests (its batch, hence its inter-token latency, grows least), ties to the most free blocks. When no
 * node seems to have room, the one with the most free blocks (its Reserve is the judge).
 */
public final class DecodePolicy {

    public NodeHandle choose(int neededTokens, List<NodeHandle> candidates) {
        if (candidates.isEmpty()) throw new IllegalArgumentException("no candidates");
        NodeHandle best = null;
        for (NodeHandle n : candidates) {
            if (n.estimatedFreeBlocks() < n.blocksFor(neededTokens)) continue;
            if (best == null || running(n) < running(best)
                    || (running(n) == running(best) && n.estimatedFreeBlocks() > best.estimatedFreeBlocks())) {
                best = n;
            }
        }
        if (best != null) return best;
        for (NodeHandle n : candidates) if (best == null || n.estimatedFreeBlocks() > best.estimatedFreeBlocks()) best = n;
        return best;
    }

    private static int running(NodeHandle n) {
        return Math.max(n.inflight(), n.stats().getRunning());
    }
}
