package ai.baton.experiments.bench;

import ai.baton.engine.tokenizer.Tokenizer;
import ai.baton.experiments.metrics.PromSnapshot;
import ai.baton.experiments.metrics.ScrapeTarget;
import ai.baton.experiments.metrics.Scraper;
import ai.baton.experiments.metrics.ServerMetrics;
import ai.baton.experiments.trace.ChromeTrace;
import ai.baton.experiments.trace.RequestTrace;
import ai.baton.experiments.trace.StepTrace;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One benchmark run against a live server, in process: resolve the model and tokenizer, build the prompts, warm
 * up, scrape the servers' metrics, send the load, scrape again, and assemble the result in vLLM's format plus
 * Baton's server-side figures. {@code baton bench} and {@code baton sweep} both call {@link #run}.
 */
public final class Bench {
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String ROUTER = "router";

    private final BenchOptions o;
    private final PrintStream log;

    public Bench(BenchOptions options, PrintStream log) {
        this.o = options;
        this.log = log;
    }

    /** Runs the benchmark and returns the result JSON (also saved when --save-result). */
    public ObjectNode run() throws Exception {
        String base = o.base();
        String endpoint = o.resolvedEndpoint();
        double rate = o.rate();
        if (!(o.burstiness > 0)) throw new IllegalArgumentException("--burstiness must be > 0");
        List<String> pMetrics = o.percentileMetricList();
        List<Double> percentiles = o.percentiles();
        Goodput goodput = Goodput.parse(o.goodput);
        ObjectNode extra = o.extraBody == null ? null : (ObjectNode) JSON.readTree(o.extraBody);

        ServedModel served = ServedModel.query(base, Duration.ofSeconds(10), o.apiKey);
        String model = o.model != null ? o.model : served == null ? null : served.id();
        Path tokDir = o.tokenizer != null ? o.tokenizer : served == null ? null : served.localTokenizerDir();
        Tokenizer tok = null;
        if (tokDir != null) {
            long t = System.nanoTime();
            tok = Tokenizer.load(tokDir);
            log.printf("tokenizer %s loaded in %.1f s%n", tokDir, (System.nanoTime() - t) / 1e9);
        } else if (endpoint.endsWith("/chat/completions") || o.dataset.equals("sharegpt")) {
            throw new IllegalArgumentException("this run needs a tokenizer: give --tokenizer DIR");
        } else {
            log.println("no tokenizer: random prompts go as token ids");
        }

        int n = o.prompts();
        if (n < 1) throw new IllegalArgumentException("--num-prompts must be >= 1");
        // warm-up prompts are drawn beside the measured ones, never reused: a reused prompt would hit the prefix cache
        List<SampleRequest> all = dataset(tok, n + o.numWarmups);
        List<SampleRequest> requests = withPriorities(all.subList(0, n)), warm = all.subList(n, all.size());
        double[] offsets = ArrivalTimes.offsets(n, rate, o.burstiness, o.seed);
        int concurrency = o.concurrency();

        List<ScrapeTarget> targets = new ArrayList<>();
        if (!o.noScrape) {
            targets.add(new ScrapeTarget(ROUTER, base + "/metrics"));
            for (String s : o.metricsUrls) targets.add(ScrapeTarget.parse(s));
        }
        Scraper scraper = new Scraper(targets);

        try (OpenAiClient client = new OpenAiClient(base, endpoint, model, o.eosIgnored(), o.temperature, extra,
                Duration.ofSeconds(o.requestTimeoutS), o.apiKey)) {
            if (!warm.isEmpty()) warmUp(client, warm);
            if (o.warmupSeconds > 0) burnIn(client, tok);
            log.printf("%s %s: %d prompts (%s), request rate %s, burstiness %s, max concurrency %s%n", base, endpoint, n,
                    describeDataset(), rateString(rate), o.burstiness, concurrency > 0 ? concurrency : "unlimited");
            Map<String, PromSnapshot> before = scraper.scrapeAll();
            long wallStartUs = epochMicros();
            ProgressBar bar = new ProgressBar(System.err, n, !o.disableProgress);
            LoadGenerator.Outcome run = LoadGenerator.run(client, requests, offsets, concurrency, r -> bar.step(r.success()));
            long wallEndUs = epochMicros();
            Map<String, PromSnapshot> after = scraper.scrapeAll();

            BenchMetrics m = new BenchMetrics(run.outputs(), run.durationS(), goodput);
            if (m.failed > 0) logErrors(run.outputs());
            ObjectNode result = result(m, run, model, tokDir, rate, concurrency, goodput, pMetrics, percentiles);
            if (!targets.isEmpty()) {
                ObjectNode deltas = ServerMetrics.deltas(before, after);
                result.set("time_breakdown", ServerMetrics.timeBreakdown(deltas, ROUTER));
                result.set("server_agreement", ServerMetrics.agreement(deltas, ROUTER, m.ttft.mean(), m.itl.mean(), m.e2el.mean()));
                result.set("server_metrics", deltas);
            }
            if (!scraper.warnings().isEmpty()) result.set("warnings", JSON.valueToTree(scraper.warnings()));
            if (!o.metadata.isEmpty()) result.set("metadata", JSON.valueToTree(o.metadata));
            ResultTable.print(System.out, result, m, pMetrics, percentiles, goodput);
            if (!o.priorities.isEmpty()) perPriority(result, requests, run);
            if (o.trace != null) writeTrace(run, wallStartUs, wallEndUs);
            if (o.saveResult) {
                Path file = resultFile(model, rate, concurrency);
                if (file.getParent() != null) Files.createDirectories(file.getParent());
                JSON.writeValue(file.toFile(), result);
                log.println("result written to " + file);
            }
            return result;
        }
    }

    private List<SampleRequest> dataset(Tokenizer tok, int n) throws Exception {
        return dataset(tok, n, o.seed);
    }

    private List<SampleRequest> dataset(Tokenizer tok, int n, long seed) throws Exception {
        return switch (o.dataset) {
            case "random" -> RandomDataset.sample(n, o.inputLen(), o.outputLen(), o.inputRangeRatio(), o.outputRangeRatio(), tok, seed);
            case "sharegpt" -> {
                if (o.datasetPath == null) throw new IllegalArgumentException("--dataset sharegpt needs --dataset-path FILE");
                yield ShareGptDataset.sample(o.datasetPath, n, tok, o.sharegptOutputLen == null ? 0 : o.sharegptOutputLen, seed);
            }
            default -> throw new IllegalArgumentException("--dataset must be random or sharegpt, got " + o.dataset);
        };
    }

    private String describeDataset() {
        if (o.dataset.equals("sharegpt")) return "sharegpt " + o.datasetPath;
        return "random " + o.inputLen() + " in x" + (1 - o.inputRangeRatio()) + "-" + (1 + o.inputRangeRatio()) + ", " + o.outputLen()
                + " out x" + (1 - o.outputRangeRatio()) + "-" + (1 + o.outputRangeRatio()) + (o.preset != null ? ", preset " + o.preset : "")
                + (o.eosIgnored() ? ", ignore_eos" : "");
    }

    private void warmUp(OpenAiClient client, List<SampleRequest> warm) throws InterruptedException {
        log.printf("warming up with %d requests...%n", warm.size());
        LoadGenerator.Outcome w = LoadGenerator.run(client, warm, new double[warm.size()], Math.max(1, o.concurrency()), r -> { });
        for (RequestOutput r : w.outputs()) if (!r.success()) log.println("warm-up request failed: " + r.error());
    }

    /**
     * Time-based warm-up: batches of prompts drawn with other seeds (so never the measured ones, and never cached),
     * four in flight, until the time is up.
     */
    private void burnIn(OpenAiClient client, Tokenizer tok) throws Exception {
        log.printf("warming up for %.0f s...%n", o.warmupSeconds);
        long until = System.nanoTime() + (long) (o.warmupSeconds * 1e9);
        int at = Math.max(4, o.concurrency()), sent = 0;
        for (long batch = 1; System.nanoTime() < until; batch++) {
            List<SampleRequest> b = dataset(tok, at * 2, o.seed + 7919 * batch);
            sent += LoadGenerator.run(client, b, new double[b.size()], at, r -> { }).outputs().size();
        }
        log.printf("warm-up: %d requests%n", sent);
    }

    /** The distinct errors of failed requests (a few), so a failing run says why without --save-detailed. */
    /** The requests with priorities drawn from {@code --priorities} (seeded), or as they are without it. */
    private List<SampleRequest> withPriorities(List<SampleRequest> requests) {
        if (o.priorities.isEmpty()) return requests;
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(o.seed ^ 0x5eed_9e37L);
        List<SampleRequest> out = new ArrayList<>(requests.size());
        for (SampleRequest r : requests) out.add(r.withPriority(o.priorities.get(rnd.nextInt(o.priorities.size()))));
        return out;
    }

    /**
     * Latencies per priority value: "priorities": {"0": {"completed", "failed", "mean_ttft_ms", "p99_ttft_ms",
     * "mean_e2el_ms", "p99_e2el_ms", "mean_tpot_ms"}, ...}, and a line per priority on the console.
     */
    private void perPriority(ObjectNode result, List<SampleRequest> requests, LoadGenerator.Outcome run) {
        java.util.TreeMap<Integer, List<RequestOutput>> groups = new java.util.TreeMap<>();
        for (int i = 0; i < requests.size(); i++)
            groups.computeIfAbsent(requests.get(i).priority(), k -> new ArrayList<>()).add(run.outputs().get(i));
        ObjectNode node = result.putObject("priorities");
        for (var g : groups.entrySet()) {
            BenchMetrics pm = new BenchMetrics(g.getValue(), run.durationS(), null);
            ObjectNode p = node.putObject(Integer.toString(g.getKey()));
            p.put("completed", pm.completed);
            p.put("failed", pm.failed);
            p.put("mean_ttft_ms", pm.ttft.mean());
            p.put("p99_ttft_ms", pm.ttft.percentile(99));
            p.put("mean_tpot_ms", pm.tpot.mean());
            p.put("mean_e2el_ms", pm.e2el.mean());
            p.put("p99_e2el_ms", pm.e2el.percentile(99));
            System.out.printf("priority %d: %d ok, %d failed, TTFT mean %.1f ms p99 %.1f ms, E2E mean %.1f ms p99 %.1f ms%n",
                    g.getKey(), pm.completed, pm.failed, pm.ttft.mean(), pm.ttft.percentile(99), pm.e2el.mean(), pm.e2el.percentile(99));
        }
    }

    private void logErrors(List<RequestOutput> outputs) {
        java.util.Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        for (RequestOutput r : outputs) if (!r.success()) counts.merge(String.valueOf(r.error()), 1, Integer::sum);
        counts.entrySet().stream().limit(5).forEach(e -> log.printf("failed x%d: %s%n", e.getValue(), e.getKey()));
    }

    private ObjectNode result(BenchMetrics m, LoadGenerator.Outcome run, String model, Path tokDir, double rate,
                              int concurrency, Goodput goodput, List<String> pMetrics, List<Double> percentiles) {
        ObjectNode r = JSON.createObjectNode();
        r.put("date", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        r.put("backend", o.backend != null ? o.backend : o.resolvedEndpoint().endsWith("/chat/completions") ? "openai-chat" : "openai");
        r.put("endpoint", o.resolvedEndpoint());
        r.put("label", o.label != null ? o.label : "baton");
        r.put("model_id", model);
        r.put("tokenizer_id", tokDir == null ? null : tokDir.toString());
        r.put("dataset", o.dataset);
        if (o.preset != null) r.put("preset", o.preset);
        r.put("num_prompts", run.outputs().size());
        if (Double.isInfinite(rate)) r.put("request_rate", "inf");
        else r.put("request_rate", rate);
        r.put("burstiness", o.burstiness);
        if (concurrency > 0) r.put("max_concurrency", concurrency);
        else r.putNull("max_concurrency");
        r.setAll(m.totals());
        if (goodput.isEmpty()) r.putNull("request_goodput");
        else r.put("request_goodput", m.requestGoodput());
        // vLLM's field order puts request_goodput after request_throughput; keep the totals block contiguous
        ObjectNode ordered = JSON.createObjectNode();
        r.properties().forEach(e -> {
            if (!e.getKey().equals("request_goodput")) ordered.set(e.getKey(), e.getValue());
            if (e.getKey().equals("request_throughput")) ordered.set("request_goodput", r.get("request_goodput"));
        });
        if (!goodput.isEmpty()) ordered.set("goodput_slos_ms", JSON.valueToTree(goodput.ordered()));
        if (o.saveDetailed) detailed(ordered, run.outputs());
        m.writeLatencies(ordered, pMetrics, percentiles);
        return ordered;
    }

    private static void detailed(ObjectNode r, List<RequestOutput> outputs) {
        ArrayNode in = r.putArray("input_lens"), out = r.putArray("output_lens"), ttfts = r.putArray("ttfts"),
                itls = r.putArray("itls"), texts = r.putArray("generated_texts"), errors = r.putArray("errors");
        for (RequestOutput x : outputs) {
            in.add(x.inputTokens());
            out.add(x.outputTokens());
            ttfts.add(x.ttft());
            ArrayNode a = itls.addArray();
            for (double d : x.itl()) a.add(d);
            texts.add(x.generatedText());
            errors.add(x.error() == null ? "" : x.error());
        }
    }

    private void writeTrace(LoadGenerator.Outcome run, long wallStartUs, long wallEndUs) throws Exception {
        ChromeTrace trace = new ChromeTrace();
        RequestTrace.add(trace, run.outputs(), run.startNanos(), true);
        HttpClient http = HttpClient.newHttpClient();
        int pid = 10;
        for (String spec : o.stepLogUrls) {
            ScrapeTarget t = ScrapeTarget.parse(spec);
            try {
                String body = OpenAiClient.get(http, t.url(), Duration.ofSeconds(30));
                int steps = StepTrace.add(trace, pid++, t.name(), body, wallStartUs, wallEndUs, wallStartUs);
                log.printf("trace: %d steps of %s%n", steps, t.name());
            } catch (Exception e) {
                log.println("trace: cannot read the step log of " + t.name() + " at " + t.url() + ": " + e.getMessage());
            }
        }
        trace.write(o.trace);
        log.println("trace written to " + o.trace + " (open in ui.perfetto.dev or chrome://tracing)");
    }

    private static long epochMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    private Path resultFile(String model, double rate, int concurrency) {
        String name = o.resultFilename;
        if (name == null) {
            String m = model == null ? "model" : model.replaceAll(".*/", "").replaceAll("[^A-Za-z0-9._-]", "_");
            name = (o.label != null ? o.label : "baton") + "-" + rateString(rate) + "qps"
                    + (concurrency > 0 ? "-concurrency" + concurrency : "") + "-" + m + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json";
        }
        return o.resultDir == null ? Path.of(name) : o.resultDir.resolve(name);
    }

    static String rateString(double rate) {
        if (Double.isInfinite(rate)) return "inf";
        return rate == Math.rint(rate) ? Long.toString((long) rate) : Double.toString(rate);
    }

    /** The served model: its name and, when the server reports a local directory, where its tokenizer is. */
    record ServedModel(String id, String root) {
        static ServedModel query(String base, Duration timeout, String apiKey) {
            try {
                JsonNode j = JSON.readTree(OpenAiClient.get(HttpClient.newHttpClient(), base + "/v1/models", timeout, apiKey));
                JsonNode first = j.path("data").path(0);
                if (first.isMissingNode()) return null;
                return new ServedModel(first.path("id").asText(null), first.path("root").asText(null));
            } catch (Exception e) {
                return null;
            }
        }

        Path localTokenizerDir() {
            if (root == null) return null;
            Path p = Path.of(root);
            return Files.isRegularFile(p.resolve("tokenizer.json")) ? p : null;
        }
    }
}
