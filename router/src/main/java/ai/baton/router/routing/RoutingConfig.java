package ai.baton.router.routing;

/**
 * Knobs of the routing policy, in the spirit of sgl-router's cache-aware policy.
 *
 * @param cacheThreshold        minimum fraction of the prompt a prefill node must already hold to win on cache
 * @param balanceAbsThreshold   load gap (requests) beyond which, together with the relative one, load wins over cache
 * @param balanceRelThreshold   ratio max/min load beyond which, together with the absolute one, load wins over cache
 * @param localPrefillThreshold a prompt whose uncached part is at most this many tokens is prefilled on the decode node
 *                              (negative: never)
 * @param maxTreeTokens         budget of each node's approximate prefix tree when the node reports no KV capacity
 */
public record RoutingConfig(double cacheThreshold, int balanceAbsThreshold, double balanceRelThreshold,
                            int localPrefillThreshold, long maxTreeTokens) {

    public static RoutingConfig defaults() {
        return new RoutingConfig(0.5, 32, 1.5, 32, 1L << 22);
    }

    public RoutingConfig withLocalPrefillThreshold(int t) {
        return new RoutingConfig(cacheThreshold, balanceAbsThreshold, balanceRelThreshold, t, maxTreeTokens);
    }

    public RoutingConfig withCacheThreshold(double t) {
        return new RoutingConfig(t, balanceAbsThreshold, balanceRelThreshold, localPrefillThreshold, maxTreeTokens);
    }

    public RoutingConfig withBalance(int abs, double rel) {
        return new RoutingConfig(cacheThreshold, abs, rel, localPrefillThreshold, maxTreeTokens);
    }
}
