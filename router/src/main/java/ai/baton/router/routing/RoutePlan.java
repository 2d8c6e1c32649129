package ai.baton.router.routing;

import ai.baton.router.registry.NodeHandle;

/**
 * Where one attempt of a request goes: a decode node, and either a prefill node (disaggregated) or none (the decode
 * node prefills locally).
 */
public record RoutePlan(NodeHandle decode, NodeHandle prefill, RouteReason reason, int matchedTokens) {
    public boolean local() { return prefill == null; }
}
