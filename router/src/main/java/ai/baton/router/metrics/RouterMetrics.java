package ai.baton.router.metrics;

import ai.baton.proto.NodeStats;
import ai.baton.router.registry.NodeHandle;
import ai.baton.router.registry.NodeRegistry;
import ai.baton.router.routing.RouteReason;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.ToDoubleFunction;

/**
 * The router's Prometheus metrics: vLLM's names under a {@code baton:} prefix (latencies measured at the router,
 * node load from the nodes' reports) plus the PD ones (KV transfer, routing decisions). Node-reported series carry
 * {@code node} and {@code role} labels; the router's own queue appears as node "router".
 */
public final class RouterMetrics {
    private static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
            1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
    private static final double[] ITL_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3,
            0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
    private static final double[] E2E_BUCKETS = {0.01, 0.05, 0.1, 0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0,
            20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
    /** Mostly near zero (parsing, routing); seconds to minutes when requests wait for KV room. */
    private static final double[] QUEUE_BUCKETS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0};
    private static final double[] TRANSFER_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
            1.0, 2.5, 5.0, 10.0};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final String model;
    private final Histogram ttft, itl, e2e, transferSeconds, prefillSeconds, routerQueue;
    private final Counter transferBytes, routing, requests, promptTokens, generationTokens, cachedPromptTokens;
    private final Gauge routerRunning, routerWaiting;

    public RouterMetrics(String model, NodeRegistry nodes) {
        this.model = model;
        ttft = histogram("baton:time_to_first_token_seconds", "Time from request arrival to the first token written, at the router.", TTFT_BUCKETS);
        itl = histogram("baton:inter_token_latency_seconds", "Time between tokens written to a client.", ITL_BUCKETS);
        e2e = histogram("baton:e2e_request_latency_seconds", "Time from request arrival to its last byte.", E2E_BUCKETS);
        transferSeconds = histogram("baton:kv_transfer_seconds", "KV transfer time after prefill compute, as the prefill node reports it.", TRANSFER_BUCKETS);
        prefillSeconds = histogram("baton:prefill_seconds", "Prefill time of a remote prefill, as the prefill node reports it.", TTFT_BUCKETS);
        routerQueue = histogram("baton:router_queue_seconds",
                "Time from request arrival to its dispatch to a node (waiting for KV room or a node).", QUEUE_BUCKETS);
        transferBytes = Counter.builder().name("baton:kv_transfer_bytes").help("KV bytes moved from prefill to decode nodes.")
                .labelNames("model_name").register(registry);
        routing = Counter.builder().name("baton:routing_decisions").help("Routing decisions by reason.")
                .labelNames("model_name", "reason").register(registry);
        requests = Counter.builder().name("baton:request_success").help("Finished requests by finish reason.")
                .labelNames("model_name", "finished_reason").register(registry);
        promptTokens = Counter.builder().name("baton:prompt_tokens").help("Prompt tokens of finished requests.")
                .labelNames("model_name").register(registry);
        generationTokens = Counter.builder().name("baton:generation_tokens").help("Generated tokens.")
                .labelNames("model_name").register(registry);
        cachedPromptTokens = Counter.builder().name("baton:cached_prompt_tokens").help("Prompt tokens served from a node's prefix cache.")
                .labelNames("model_name").register(registry);
        routerRunning = Gauge.builder().name("baton:router_requests_running").help("Requests the router is serving.").labelNames("model_name").register(registry);
        routerWaiting = Gauge.builder().name("baton:router_requests_waiting").help("Requests waiting at the router for KV room.").labelNames("model_name").register(registry);
        for (RouteReason r : RouteReason.values()) routing.labelValues(model, r.label);

        nodeGauge(nodes, "baton:num_requests_running", "Requests in a node's running batch.", NodeStats::getRunning);
        nodeGauge(nodes, "baton:num_requests_waiting", "Requests queued on a node.", NodeStats::getWaiting);
        nodeGauge(nodes, "baton:kv_cache_usage_perc", "Fraction of a node's KV blocks in use or reserved (1 = full).",
                s -> s.getKvBlocksTotal() == 0 ? 0 : (double) (s.getKvBlocksUsed() + s.getKvBlocksReserved()) / s.getKvBlocksTotal());
        nodeGauge(nodes, "baton:kv_blocks_used", "KV blocks a node holds for requests (in use or reserved).",
                s -> s.getKvBlocksUsed() + s.getKvBlocksReserved());
        nodeGauge(nodes, "baton:node_healthy", "1 while a node passes health checks.", null);
        nodeCounter(nodes, "baton:prefix_cache_hits", "Prompt tokens a node found in its prefix cache.", NodeStats::getPrefixHitTokens);
        nodeCounter(nodes, "baton:kv_offload_hits", "Prompt tokens whose KV a node copied back from its host offload tier.", NodeStats::getOffloadHitTokens);
        nodeCounter(nodes, "baton:prefix_cache_queries", "Prompt tokens a node looked up in its prefix cache.", NodeStats::getPrefixQueryTokens);
    }

    private Histogram histogram(String name, String help, double[] buckets) {
        return Histogram.builder().name(name).help(help).labelNames("model_name")
                .classicOnly().classicUpperBounds(buckets).register(registry);
    }

    private void nodeGauge(NodeRegistry nodes, String name, String help, ToDoubleFunction<NodeStats> f) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("node", "role")
                .callback(cb -> {
                    for (NodeHandle n : nodes.all()) {
                        double v = f == null ? (n.healthy() ? 1 : 0) : f.applyAsDouble(n.stats());
                        cb.call(v, n.id(), role(n));
                    }
                }).register(registry);
    }

    private void nodeCounter(NodeRegistry nodes, String name, String help, ToDoubleFunction<NodeStats> f) {
        CounterWithCallback.builder().name(name).help(help).labelNames("node", "role")
                .callback(cb -> {
                    for (NodeHandle n : nodes.all()) cb.call(f.applyAsDouble(n.stats()), n.id(), role(n));
                }).register(registry);
    }

    private static String role(NodeHandle n) {
        return n.role().name().toLowerCase(java.util.Locale.ROOT);
    }

    public void ttft(double seconds) { ttft.labelValues(model).observe(seconds); }

    public void itl(double seconds) { itl.labelValues(model).observe(seconds); }

    public void e2e(double seconds) { e2e.labelValues(model).observe(seconds); }

    public void kvTransfer(double seconds, long bytes, double prefillSecs) {
        transferSeconds.labelValues(model).observe(seconds);
        prefillSeconds.labelValues(model).observe(prefillSecs);
        if (bytes > 0) transferBytes.labelValues(model).inc(bytes);
    }

    public void routerQueue(double seconds) { routerQueue.labelValues(model).observe(seconds); }

    public void route(RouteReason reason) { routing.labelValues(model, reason.label).inc(); }

    public void finished(String finishReason, int prompt, int generated, int cached) {
        requests.labelValues(model, finishReason == null || finishReason.isEmpty() ? "unknown" : finishReason).inc();
        promptTokens.labelValues(model).inc(prompt);
        generationTokens.labelValues(model).inc(generated);
        cachedPromptTokens.labelValues(model).inc(cached);
    }

    public void running(int delta) { routerRunning.labelValues(model).inc(delta); }

    public void waiting(int delta) { routerWaiting.labelValues(model).inc(delta); }

    public double routerWaiting() { return routerWaiting.labelValues(model).get(); }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    public static String contentType() { return "text/plain; version=0.0.4; charset=utf-8"; }
}
