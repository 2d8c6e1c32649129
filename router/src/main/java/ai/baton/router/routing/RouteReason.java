package ai.baton.router.routing;

/** Why a request went where it went; the label of the routing-decisions counter. */
public enum RouteReason {
    /** The prefill node already holds enough of the prompt's prefix. */
    CACHE_HIT("cache_hit"),
    /** No node holds enough of the prefix: the one with the most cache room (smallest tree) takes it. */
    CACHE_MISS("cache_miss"),
    /** Load was too uneven to follow the cache: the least loaded prefill node takes it. */
    LOAD_BALANCE("load_balance"),
    /** The uncached part of the prompt is short: the decode node prefills it itself. */
    LOCAL_PREFILL("local_prefill"),
    /** A prefill failed and the request was sent to another node. */
    RETRY("retry");

    public final String label;

    RouteReason(String label) { this.label = label; }
}
