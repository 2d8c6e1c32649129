package ai.baton.experiments.metrics;

/**
 * The router's and nodes' series the bench reads. Those marked "requested" are not served yet: the bench reports
 * them as missing until the router and node engineers add them (see experiments/README.md, "Metrics we read").
 */
public final class MetricNames {
    private MetricNames() {}

    // router, per request, measured where the client's bytes are written
    public static final String TTFT = "baton:time_to_first_token_seconds";
    public static final String ITL = "baton:inter_token_latency_seconds";
    public static final String E2E = "baton:e2e_request_latency_seconds";
    // router, per disaggregated request, as the prefill node reports it
    public static final String PREFILL = "baton:prefill_seconds";
    public static final String KV_TRANSFER = "baton:kv_transfer_seconds";
    /** Requested: time a request waits at the router for KV room before it is dispatched. */
    public static final String ROUTER_QUEUE = "baton:router_queue_seconds";
    /** Requested: time from its KV landing on the decode node to its first decode step (router or decode node). */
    public static final String DECODE_QUEUE = "baton:decode_queue_seconds";

    // nodes
    public static final String NODE_PREFILL = "baton:request_prefill_time_seconds";
    /** Requested: time a request waits in a node's engine queue before its first scheduled step (vLLM's name). */
    public static final String NODE_QUEUE = "baton:request_queue_time_seconds";
    /** Requested: a counter of wall seconds the engine spent running steps; busy fraction = its rate. */
    public static final String ENGINE_BUSY = "baton:engine_busy_seconds_total";
}
