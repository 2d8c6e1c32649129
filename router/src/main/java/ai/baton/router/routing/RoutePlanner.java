package ai.baton.router.routing;

import ai.baton.proto.Role;
import ai.baton.router.registry.NodeHandle;
import ai.baton.router.registry.NodeRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Plans one attempt of a request: decode node first (it must have room), then conditional disaggregation (a short
 * uncached remainder is prefilled on the decode node itself), else a cache-aware prefill node. Nodes already tried
 * and failed are excluded.
 */
public final class RoutePlanner {
    private final NodeRegistry registry;
    private final RoutingConfig config;
    private final PrefillPolicy prefillPolicy;
    private final DecodePolicy decodePolicy = new DecodePolicy();

    public RoutePlanner(NodeRegistry registry, RoutingConfig config) {
        this.registry = registry;
        this.config = config;
        this.prefillPolicy = new PrefillPolicy(config);
    }

    /** Thrown when no node of a role can take the request. */
    public static final class NoNodeException extends RuntimeException {
        public final Role role;

        public NoNodeException(Role role, String message) {
            super(message);
            this.role = role;
        }
    }

    /**
     * @param forceLocal prefill on the decode node whatever the prompt (the prefill nodes all failed)
     */
    public RoutePlan plan(int[] prompt, int maxTokens, Set<String> excludedPrefill, Set<String> excludedDecode, boolean forceLocal) {
        List<NodeHandle> decodes = without(registry.healthy(Role.DECODE), excludedDecode);
        if (decodes.isEmpty()) throw new NoNodeException(Role.DECODE, "no decode node is available");
        NodeHandle decode = decodePolicy.choose(prompt.length + maxTokens, decodes);
        int uncached = prompt.length - decode.tree().matchLength(prompt);
        if (forceLocal || (config.localPrefillThreshold() >= 0 && uncached <= config.localPrefillThreshold())) {
            decode.tree().insert(prompt);
            return new RoutePlan(decode, null, RouteReason.LOCAL_PREFILL, prompt.length - uncached);
        }
        List<NodeHandle> prefills = without(registry.healthy(Role.PREFILL), excludedPrefill);
        if (prefills.isEmpty()) throw new NoNodeException(Role.PREFILL, "no prefill node is available");
        PrefillChoice p = prefillPolicy.choose(prompt, prefills);
        return new RoutePlan(decode, p.node(), p.reason(), p.matchedTokens());
    }

    private static List<NodeHandle> without(List<NodeHandle> nodes, Set<String> excluded) {
        if (excluded.isEmpty()) return nodes;
        List<NodeHandle> out = new ArrayList<>(nodes.size());
        for (NodeHandle n : nodes) if (!excluded.contains(n.id())) out.add(n);
        return out;
    }
}
