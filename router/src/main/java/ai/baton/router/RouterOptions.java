package ai.baton.router;

import ai.baton.router.api.RequestParser;
import ai.baton.router.dispatch.DispatchConfig;
import ai.baton.router.routing.RoutingConfig;
import picocli.CommandLine.Option;

/** Router knobs shared by {@code router}, {@code up} and {@code demo} (a picocli mixin). */
public final class RouterOptions {
    @Option(names = "--served-model-name", description = "the model's name in the API (default: the model directory's name)")
    public String servedModelName;

    @Option(names = "--cache-threshold", defaultValue = "0.5",
            description = "fraction of a prompt a prefill node must already hold to win on cache (default: ${DEFAULT-VALUE})")
    public double cacheThreshold;

    @Option(names = "--balance-abs-threshold", defaultValue = "32",
            description = "load gap (requests) beyond which, with the relative one, load beats cache (default: ${DEFAULT-VALUE})")
    public int balanceAbsThreshold;

    @Option(names = "--balance-rel-threshold", defaultValue = "1.5",
            description = "max/min load ratio beyond which, with the absolute one, load beats cache (default: ${DEFAULT-VALUE})")
    public double balanceRelThreshold;

    @Option(names = "--local-prefill-threshold", defaultValue = "32",
            description = "prefill on the decode node when at most this many prompt tokens are uncached; -1 = never (default: ${DEFAULT-VALUE})")
    public int localPrefillThreshold;

    @Option(names = "--max-waiting", defaultValue = "1024",
            description = "requests that may wait at the router for KV room before 503s (default: ${DEFAULT-VALUE})")
    public int maxWaiting;

    @Option(names = "--queue-timeout-ms", defaultValue = "60000", description = "longest wait for KV room (default: ${DEFAULT-VALUE})")
    public long queueTimeoutMs;

    @Option(names = "--prefill-timeout-ms", defaultValue = "300000", description = "deadline of one prefill, KV transfer included (default: ${DEFAULT-VALUE})")
    public long prefillTimeoutMs;

    @Option(names = "--default-max-tokens", defaultValue = "256",
            description = "max tokens when a request sets none (capped by the context) (default: ${DEFAULT-VALUE})")
    public int defaultMaxTokens;

    @Option(names = "--reasoning-parser", defaultValue = "none",
            description = "qwen3: chat answers' <think> part goes to reasoning_content, as vLLM's parser of that name (default: ${DEFAULT-VALUE})")
    public String reasoningParser;

    @Option(names = "--api-key", defaultValue = "${env:BATON_API_KEY}",
            description = "clients must send 'Authorization: Bearer <key>' (all routes but /health and /metrics); default: $BATON_API_KEY, unset = open")
    public String apiKey;

    @Option(names = "--health-interval-ms", defaultValue = "1000", description = "node health-check period (default: ${DEFAULT-VALUE})")
    public long healthIntervalMs;

    public void validate() {
        if (!(cacheThreshold >= 0 && cacheThreshold <= 1)) throw new IllegalArgumentException("--cache-threshold must be in [0, 1]");
        if (balanceAbsThreshold < 0) throw new IllegalArgumentException("--balance-abs-threshold must be >= 0");
        if (!(balanceRelThreshold >= 1)) throw new IllegalArgumentException("--balance-rel-threshold must be >= 1");
        if (maxWaiting < 0) throw new IllegalArgumentException("--max-waiting must be >= 0");
        if (defaultMaxTokens < 1) throw new IllegalArgumentException("--default-max-tokens must be >= 1");
        if (healthIntervalMs < 50) throw new IllegalArgumentException("--health-interval-ms must be >= 50");
        if (apiKey != null && !apiKey.isEmpty() && apiKey.isBlank()) throw new IllegalArgumentException("--api-key must not be blank");
        if (queueTimeoutMs < 0 || prefillTimeoutMs < 1) throw new IllegalArgumentException("timeouts must be positive");
        if (!RequestParser.REASONING_PARSERS.contains(reasoningParser))
            throw new IllegalArgumentException("--reasoning-parser must be one of " + RequestParser.REASONING_PARSERS + ", got " + reasoningParser);
    }

    public RoutingConfig routing() {
        return new RoutingConfig(cacheThreshold, balanceAbsThreshold, balanceRelThreshold, localPrefillThreshold,
                RoutingConfig.defaults().maxTreeTokens());
    }

    public DispatchConfig dispatch() {
        DispatchConfig d = DispatchConfig.defaults();
        return new DispatchConfig(d.reserveTimeoutMs(), prefillTimeoutMs, d.maxPrefillRetries(), d.maxDecodeAttempts(),
                maxWaiting, queueTimeoutMs);
    }

    /** A router builder with these options applied. */
    public RouterServer.Builder apply(RouterServer.Builder b) {
        return b.routing(routing()).dispatch(dispatch()).defaultMaxTokens(defaultMaxTokens).healthIntervalMs(healthIntervalMs)
                .reasoningParser(reasoningParser).apiKey(apiKey);
    }
}
