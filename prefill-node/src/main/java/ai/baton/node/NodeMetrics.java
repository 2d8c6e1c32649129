package ai.baton.node;

import ai.baton.engine.EngineStats;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * A node's Prometheus metrics, named as vLLM names them under a {@code baton:} prefix. Engine figures are read
 * from {@code engine.stats()} at scrape time (callbacks), so the step loop never touches a metric; latencies and
 * transfers are recorded by the services as they happen.
 */
public final class NodeMetrics {
    private static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25,
            0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
    private static final double[] TRANSFER_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
            1.0, 2.5, 5.0, 10.0};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final String model;
    private final Histogram kvTransferSeconds;
    private final Counter kvTransferBytes;
    private final Histogram interTokenLatency;
    private final Histogram e2eLatency;
    private final Histogram timeToFirstToken;
    private final Histogram prefillTime;
    private final Histogram queueTime;
    private final Histogram decodeQueue;
    private final Counter requestFailures;

    /**
     * @param stats   the engine's latest stats
     * @param waiting requests the node holds outside the engine's queue (decode: reservations waiting for KV)
     */
    public NodeMetrics(String modelName, Supplier<EngineStats> stats, IntSupplier waiting) {
        this.model = modelName;
        GaugeWithCallback.builder().name("baton:num_requests_running").help("Requests in the engine's running batch")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().running(), model)).register(registry);
        GaugeWithCallback.builder().name("baton:num_requests_waiting").help("Requests waiting for admission (or for their KV)")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().waiting() + waiting.getAsInt(), model)).register(registry);
        GaugeWithCallback.builder().name("baton:kv_cache_usage_perc").help("Fraction of KV blocks in use (1 = full)")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().kvUsage(), model)).register(registry);
        CounterWithCallback.builder().name("baton:prefix_cache_queries").help("Prompt tokens looked up in the prefix cache")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().prefixQueryTokens(), model)).register(registry);
        CounterWithCallback.builder().name("baton:prefix_cache_hits").help("Prompt tokens found in the prefix cache")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().prefixHitTokens(), model)).register(registry);
        // The host offload tier behind the prefix cache (--kv-offload-mib); its hits are a part of the prefix cache hits.
        CounterWithCallback.builder().name("baton:kv_offload_hits").help("Prompt tokens whose KV came back from the host offload tier")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().offloadHitTokens(), model)).register(registry);
        CounterWithCallback.builder().name("baton:kv_offload_saved_blocks").help("KV blocks copied to the host offload tier on eviction")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().offloadSavedBlocks(), model)).register(registry);
        GaugeWithCallback.builder().name("baton:kv_offload_usage_perc").help("Fraction of the host offload tier's blocks in use (0 without a tier)")
                .labelNames("model_name").callback(cb -> {
                    EngineStats s = stats.get();
                    cb.call(s.offloadBlocksTotal() == 0 ? 0 : (double) s.offloadBlocksUsed() / s.offloadBlocksTotal(), model);
                }).register(registry);
        CounterWithCallback.builder().name("baton:prompt_tokens").help("Prompt tokens admitted")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().promptTokens(), model)).register(registry);
        CounterWithCallback.builder().name("baton:generation_tokens").help("Tokens generated")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().generatedTokens(), model)).register(registry);
        CounterWithCallback.builder().name("baton:engine_busy_seconds")
                .help("Wall seconds the engine loop spent inside steps (schedule, forward, sample); busy fraction = its rate")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().busySeconds(), model)).register(registry);
        // Speculative decoding, as vLLM names it: acceptance rate = accepted / draft tokens.
        CounterWithCallback.builder().name("baton:spec_decode_num_drafts").help("Sequence steps that ran draft tokens (speculative decoding)")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().specDrafts(), model)).register(registry);
        CounterWithCallback.builder().name("baton:spec_decode_num_draft_tokens").help("Draft tokens run through the model")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().specDraftTokens(), model)).register(registry);
        CounterWithCallback.builder().name("baton:spec_decode_num_accepted_tokens").help("Draft tokens the model confirmed")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().specAcceptedTokens(), model)).register(registry);
        CounterWithCallback.builder().name("baton:num_preemptions").help("Sequences preempted for lack of KV blocks")
                .labelNames("model_name").callback(cb -> cb.call(stats.get().preemptions(), model)).register(registry);
        kvTransferSeconds = Histogram.builder().name("baton:kv_transfer_seconds")
                .help("KV transfer time of one request, first layer pushed to last layer landed")
                .labelNames("model_name", "transport").classicOnly().classicUpperBounds(TRANSFER_BUCKETS).register(registry);
        kvTransferBytes = Counter.builder().name("baton:kv_transfer_bytes").help("KV bytes moved to decode nodes")
                .labelNames("model_name", "transport").register(registry);
        interTokenLatency = latency("baton:inter_token_latency_seconds", "Time between streamed tokens");
        e2eLatency = latency("baton:e2e_request_latency_seconds", "Time from a request's arrival at this node to its end");
        timeToFirstToken = latency("baton:time_to_first_token_seconds", "Time from a request's arrival at this node to its first token");
        prefillTime = latency("baton:request_prefill_time_seconds", "Prefill compute time of one request");
        queueTime = latency("baton:request_queue_time_seconds", "Time from a request reaching the engine to its first scheduled step");
        decodeQueue = latency("baton:decode_queue_seconds",
                "Time from a remote prefill's KV landing on this decode node to the request's first decode step");
        requestFailures = Counter.builder().name("baton:request_failures").help("Requests that ended in an error, by reason")
                .labelNames("model_name", "reason").register(registry);
    }

    private Histogram latency(String name, String help) {
        return Histogram.builder().name(name).help(help).labelNames("model_name").classicOnly()
                .classicUpperBounds(LATENCY_BUCKETS).register(registry);
    }

    public void kvTransfer(String transport, double seconds, long bytes) {
        kvTransferSeconds.labelValues(model, transport).observe(seconds);
        kvTransferBytes.labelValues(model, transport).inc(bytes);
    }

    public void interToken(double seconds) { interTokenLatency.labelValues(model).observe(seconds); }

    public void e2e(double seconds) { e2eLatency.labelValues(model).observe(seconds); }

    public void timeToFirstToken(double seconds) { timeToFirstToken.labelValues(model).observe(seconds); }

    public void prefill(double seconds) { prefillTime.labelValues(model).observe(seconds); }

    public void queueTime(double seconds) { queueTime.labelValues(model).observe(seconds); }

    public void decodeQueue(double seconds) { decodeQueue.labelValues(model).observe(seconds); }

    public void failure(String reason) { requestFailures.labelValues(model, reason).inc(); }

    public PrometheusRegistry registry() { return registry; }

    /** The Prometheus text exposition, as /metrics serves it. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
