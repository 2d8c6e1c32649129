package ai.baton.experiments.bench;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The load generator's settings, named as {@code vllm bench serve} names them (SGLang's bench_serving shares most).
 * A picocli mixin for {@code baton bench}; the sweep fills one in code. Options a preset sets are boxed: null means
 * "not given", so an explicit value beats the preset's.
 */
public final class BenchOptions {
    @Option(names = "--base-url", description = "server URL, e.g. http://127.0.0.1:8000 (default: http://HOST:PORT)")
    public String baseUrl;
    @Option(names = "--host", defaultValue = "127.0.0.1") public String host = "127.0.0.1";
    @Option(names = "--port", defaultValue = "8000") public int port = 8000;
    @Option(names = "--endpoint", defaultValue = "/v1/completions", description = "/v1/completions or /v1/chat/completions (default: ${DEFAULT-VALUE})")
    public String endpoint = "/v1/completions";
    @Option(names = "--backend", description = "accepted for compatibility: openai and vllm mean /v1/completions, openai-chat means /v1/chat/completions")
    public String backend;
    @Option(names = "--api-key", defaultValue = "${env:OPENAI_API_KEY}",
            description = "sent as 'Authorization: Bearer <key>' (default: $OPENAI_API_KEY, as vllm bench serve does; unset = none)")
    public String apiKey;
    @Option(names = "--model", description = "model name sent in requests (default: the server's first /v1/models entry)")
    public String model;
    @Option(names = "--tokenizer", description = "tokenizer directory (tokenizer.json) for building prompts (default: the served model's directory when local)")
    public Path tokenizer;

    @Option(names = {"--dataset", "--dataset-name"}, defaultValue = "random", description = "random or sharegpt (default: ${DEFAULT-VALUE})")
    public String dataset = "random";
    @Option(names = "--dataset-path", description = "ShareGPT-format JSON file for --dataset sharegpt")
    public Path datasetPath;
    @Option(names = "--sharegpt-output-len", description = "fix every ShareGPT request's output length (default: the reply's length)")
    public Integer sharegptOutputLen;
    @Option(names = "--random-input-len", description = "prompt tokens (default 1024, or the preset's)")
    public Integer randomInputLen;
    @Option(names = "--random-output-len", description = "output tokens (default 128, or the preset's)")
    public Integer randomOutputLen;
    @Option(names = "--random-range-ratio", description = "lengths uniform in [len*(1-r), len*(1+r)] (default 0, or the preset's)")
    public Double randomRangeRatio;
    @Option(names = "--preset", description = "a seed workload: ${COMPLETION-CANDIDATES}", completionCandidates = PresetNames.class)
    public String preset;

    @Option(names = "--num-prompts", description = "requests to send (default 1000, or the preset's)")
    public Integer numPrompts;
    @Option(names = "--request-rate", defaultValue = "inf", description = "requests per second, Poisson arrivals; inf sends all at once (default: ${DEFAULT-VALUE})")
    public String requestRate = "inf";
    @Option(names = "--burstiness", defaultValue = "1.0", description = "gamma shape of the arrival gaps: 1 = Poisson, <1 burstier (default: ${DEFAULT-VALUE})")
    public double burstiness = 1.0;
    @Option(names = "--max-concurrency", description = "most requests in flight at once (default: unlimited, or the preset's)")
    public Integer maxConcurrency;
    @Option(names = "--ignore-eos", description = "ask the server to generate exactly the output length (presets set it)")
    public Boolean ignoreEos;
    @Option(names = "--temperature", defaultValue = "0.0") public double temperature = 0.0;
    @Option(names = "--extra-body", description = "JSON object merged into every request body")
    public String extraBody;
    @Option(names = "--seed", defaultValue = "0") public long seed = 0;
    @Option(names = "--priorities", split = ",", description = "send each request a \"priority\" drawn uniformly (seeded) from these values, e.g. 0,10; "
            + "the result then has latencies per priority (the server needs --scheduling-policy priority)")
    public List<Integer> priorities = new ArrayList<>();
    @Option(names = "--num-warmups", defaultValue = "0", description = "requests sent (and not measured) before the run (default: ${DEFAULT-VALUE})")
    public int numWarmups = 0;
    @Option(names = "--warmup-seconds", defaultValue = "0", description = "keep sending fresh warm-up prompts (4 at a time) for this long before the run: a new JVM node needs tens of seconds of load before the JIT has compiled its hot paths (default: ${DEFAULT-VALUE})")
    public double warmupSeconds = 0;
    @Option(names = "--request-timeout", defaultValue = "600", description = "seconds before a request without response headers fails (default: ${DEFAULT-VALUE})")
    public int requestTimeoutS = 600;

    @Option(names = "--goodput", arity = "1..*", description = "objectives in ms for goodput, e.g. --goodput ttft:500 tpot:50 (also e2el)")
    public List<String> goodput = new ArrayList<>();
    @Option(names = "--percentile-metrics", defaultValue = "ttft,tpot,itl,e2el", description = "metrics to report percentiles of (default: ${DEFAULT-VALUE})")
    public String percentileMetrics = "ttft,tpot,itl,e2el";
    @Option(names = "--metric-percentiles", defaultValue = "99", description = "comma-separated percentiles (default: ${DEFAULT-VALUE})")
    public String metricPercentiles = "99";

    @Option(names = "--save-result", description = "write the result JSON")
    public boolean saveResult;
    @Option(names = "--save-detailed", description = "include per-request lists (input_lens, ttfts, itls, generated_texts, errors) in the result")
    public boolean saveDetailed;
    @Option(names = "--result-dir", description = "directory for the result file (default: current directory)")
    public Path resultDir;
    @Option(names = "--result-filename", description = "result file name (default: LABEL-RATEqps[-concurrencyN]-MODEL-DATE.json)")
    public String resultFilename;
    @Option(names = "--label", description = "label of the result (default: baton)")
    public String label;
    @Option(names = "--metadata", arity = "1..*", description = "KEY=VALUE pairs recorded in the result")
    public Map<String, String> metadata = new LinkedHashMap<>();
    @Option(names = "--disable-tqdm", description = "no progress bar")
    public boolean disableProgress;

    @Option(names = "--metrics-url", description = "a /metrics endpoint to scrape before and after the run, NAME=URL or URL (repeatable); the router's BASE/metrics is always scraped")
    public List<String> metricsUrls = new ArrayList<>();
    @Option(names = "--no-scrape", description = "do not scrape any /metrics endpoint")
    public boolean noScrape;
    @Option(names = "--trace", description = "write a Chrome-trace (Perfetto) JSON of the run's requests, and of node steps where --step-log-url is given")
    public Path trace;
    @Option(names = "--step-log-url", description = "a node's step log, NAME=URL (JSON lines; repeatable), cut to the run for --trace")
    public List<String> stepLogUrls = new ArrayList<>();

    /** The server root URL without a trailing slash. */
    public String base() {
        return OpenAiClient.stripSlash(baseUrl != null ? baseUrl : "http://" + host + ":" + port);
    }

    /** --endpoint, or the endpoint a --backend name implies. */
    public String resolvedEndpoint() {
        if (backend != null && endpoint.equals("/v1/completions") && backend.equals("openai-chat")) return "/v1/chat/completions";
        return endpoint;
    }

    public Preset presetOrNull() { return preset == null ? null : Preset.of(preset); }

    public int inputLen() { return randomInputLen != null ? randomInputLen : presetOrNull() != null ? presetOrNull().inputLen : 1024; }

    public int outputLen() { return randomOutputLen != null ? randomOutputLen : presetOrNull() != null ? presetOrNull().outputLen : 128; }

    /** A preset's range applies only to the preset's own length: an explicit length is exact unless a ratio is given. */
    public double inputRangeRatio() {
        if (randomRangeRatio != null) return randomRangeRatio;
        return randomInputLen == null && presetOrNull() != null ? presetOrNull().inputRangeRatio : 0.0;
    }

    public double outputRangeRatio() {
        if (randomRangeRatio != null) return randomRangeRatio;
        return randomOutputLen == null && presetOrNull() != null ? presetOrNull().outputRangeRatio : 0.0;
    }

    public int prompts() { return numPrompts != null ? numPrompts : presetOrNull() != null ? presetOrNull().numPrompts : 1000; }

    /** 0 = unlimited. */
    public int concurrency() { return maxConcurrency != null ? maxConcurrency : presetOrNull() != null ? presetOrNull().maxConcurrency : 0; }

    public boolean eosIgnored() { return ignoreEos != null ? ignoreEos : presetOrNull() != null; }

    public double rate() {
        String r = requestRate.trim().toLowerCase(java.util.Locale.ROOT);
        if (r.equals("inf") || r.equals("infinity")) return Double.POSITIVE_INFINITY;
        double v;
        try {
            v = Double.parseDouble(r);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--request-rate must be a number or inf, got " + requestRate);
        }
        if (!(v > 0)) throw new IllegalArgumentException("--request-rate must be > 0, got " + requestRate);
        return v;
    }

    public List<String> percentileMetricList() {
        List<String> m = new ArrayList<>();
        for (String s : percentileMetrics.split(",")) {
            String k = s.trim();
            if (k.isEmpty()) continue;
            if (!BenchMetrics.METRICS.contains(k))
                throw new IllegalArgumentException("--percentile-metrics: unknown metric '" + k + "' (ttft, tpot, itl, e2el)");
            m.add(k);
        }
        return m;
    }

    public List<Double> percentiles() {
        List<Double> p = new ArrayList<>();
        for (String s : metricPercentiles.split(",")) {
            if (s.isBlank()) continue;
            double v = Double.parseDouble(s.trim());
            if (!(v > 0 && v <= 100)) throw new IllegalArgumentException("--metric-percentiles: " + v + " is not in (0, 100]");
            p.add(v);
        }
        return p;
    }

    /** Completion candidates for --preset. */
    public static final class PresetNames extends ArrayList<String> {
        public PresetNames() {
            for (Preset p : Preset.values()) add(p.id);
        }
    }
}
