package ai.baton.experiments.metrics;

/**
 * The router's and nodes' series the bench reads (experiments/README.md, "Metrics we read"). A server that does not
 * serve one (an older build) makes the bench report it as missing.
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
    /** Router: time from a request's arrival to its dispatch (waiting for KV room or a node). */
    public static final String ROUTER_QUEUE = "baton:router_queue_seconds";

    // nodes
    /** Decode nodes: time from a remote prefill's KV landing on the node to the request's first decode step. */
    public static final String DECODE_QUEUE = "baton:decode_queue_seconds";
    public static final String NODE_PREFILL = "baton:request_prefill_time_seconds";
    /** Nodes: time a request waits in the engine's queue before its first scheduled step (vLLM's name). */
    public static final String NODE_QUEUE = "baton:request_queue_time_seconds";
    /** Nodes: a counter of wall seconds the engine spent running steps; busy fraction = its rate. */
    public static final String ENGINE_BUSY = "baton:engine_busy_seconds_total";
    /** Nodes, on the metrics port: the engine's recent steps as JSON lines (for the Chrome trace). */
    public static final String STEP_LOG_PATH = "/debug/steps";
}
