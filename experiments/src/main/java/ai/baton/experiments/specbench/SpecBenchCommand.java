package ai.baton.experiments.specbench;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.EngineStats;
import ai.baton.engine.LlmEngine;
import ai.baton.engine.backend.cuda.CudaBackend;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.spec.SpeculativeConfig;
import ai.baton.experiments.cpubench.CpuBenchCommand;
import ai.baton.experiments.cpubench.MemoryBandwidth;
import ai.baton.experiments.enginebench.DecodeRun;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Speculative decoding (n-gram lookup) against plain decoding on the same engine, model and requests: decode
 * ms per step, output tokens/s, the draft acceptance rate and tokens per sequence step for each draft length, with
 * the bandwidth floor of one step (weight bytes over the bandwidth measured in the same run) beside them, and
 * whether each request's output equals plain decoding's.
 */
@Command(name = "spec-bench", mixinStandardHelpOptions = true,
        description = "Speculative decoding (n-gram) vs plain decoding on one engine: steps, acceptance, tokens/s.")
public final class SpecBenchCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Hugging Face model directory") Path model;
    @Option(names = "--config", description = "instead of --model: a config.json to fill with synthetic weights") Path config;
    @Option(names = "--backend", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE})") String backend;
    @Option(names = "--k", split = ",", defaultValue = "0,2,4,8", description = "draft lengths; 0 = plain decoding (default: ${DEFAULT-VALUE})")
    List<Integer> ks;
    @Option(names = "--lookup-min", defaultValue = "1") int lookupMin;
    @Option(names = "--lookup-max", defaultValue = "3") int lookupMax;
    @Option(names = "--batch", split = ",", defaultValue = "1,8") List<Integer> batches;
    @Option(names = "--prompt-len", defaultValue = "128", description = "random prompt tokens per request") int promptLen;
    @Option(names = "--max-tokens", defaultValue = "128") int maxTokens;
    @Option(names = "--threads", defaultValue = "0") int threads;
    @Option(names = "--json", description = "write results to this file") Path json;

    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new SpecBenchCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if ((model == null) == (config == null)) throw new IllegalArgumentException("give exactly one of --model and --config");
        if (!ks.contains(0)) throw new IllegalArgumentException("--k must include 0 (plain decoding, the baseline)");
        ModelConfig mc = ModelConfig.load(model != null ? model.resolve("config.json") : config);
        int maxBatch = batches.stream().mapToInt(Integer::intValue).max().orElse(1);
        int maxK = ks.stream().mapToInt(Integer::intValue).max().orElse(0);
        EngineConfig base = (model != null ? EngineConfig.forModel(model) : EngineConfig.forModel(null).withSynthetic(config))
                .withBackend(backend).withThreads(threads)
                .withKvBlocks(maxBatch * ((promptLen + maxTokens + maxK + 2) / 16 + 2) + 16)
                .withMaxBatchTokens(Math.max(512, maxBatch * (maxK + 1))).withMaxSequences(Math.max(64, maxBatch))
                .withPrefixCaching(false);
        long weightBytes = CpuBenchCommand.weightBytesPerStep(mc);
        SplittableRandom rnd = new SplittableRandom(1);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < maxBatch; i++) prompts.add(rnd.ints(promptLen, 0, mc.vocabSize()).toArray());

        double bandwidth = Double.NaN;
        List<Map<String, Object>> rows = new ArrayList<>();
        Map<Integer, List<int[]>> plainOutputs = new LinkedHashMap<>();
        System.out.printf("%-6s %3s %9s %9s %11s %10s %10s %12s %9s %10s%n", "batch", "k", "steps", "ms/step", "tokens/s",
                "speedup", "accepted", "tok/seq-step", "floor ms", "= plain");
        for (int k : ks) {
            EngineConfig ec = k == 0 ? base : base.withSpeculative(new SpeculativeConfig(k, lookupMin, lookupMax));
            try (LlmEngine engine = LlmEngine.open(ec)) {
                if (Double.isNaN(bandwidth)) bandwidth = measureBandwidth(engine);
                // Warm-up at every batch size: JIT, activation buffers, graphs, and the first verify step of each shape
                // (a batch-8 verify step took 3.7 ms cold and 2.4-2.6 ms after on an H100).
                for (int b : batches) run(engine, prompts.subList(0, b), 24);
                for (int b : batches) {
                    Run r = run(engine, prompts.subList(0, b), maxTokens);
                    if (k == 0) plainOutputs.put(b, r.outputs);
                    List<int[]> plain = plainOutputs.get(b);
                    int same = 0;
                    for (int i = 0; i < b; i++) if (plain != null && Arrays.equals(plain.get(i), r.outputs.get(i))) same++;
                    double msPerStep = r.seconds * 1e3 / r.steps;
                    double tps = r.decodeTokens / r.seconds;
                    double floorMs = weightBytes / bandwidth * 1e3;
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("batch", b);
                    row.put("k", k);
                    row.put("decode_steps", r.steps);
                    row.put("decode_tokens", r.decodeTokens);
                    row.put("ms_per_step", msPerStep);
                    row.put("tokens_per_s", tps);
                    row.put("draft_tokens", r.draftTokens);
                    row.put("accepted_tokens", r.acceptedTokens);
                    row.put("acceptance_rate", r.draftTokens == 0 ? 0 : (double) r.acceptedTokens / r.draftTokens);
                    row.put("tokens_per_sequence_step", (double) r.decodeTokens / (r.decodeTokens - r.acceptedTokens));
                    row.put("floor_ms_per_step", floorMs);
                    row.put("outputs_equal_to_plain", same);
                    Map<String, Object> plainRow = rows.stream().filter(x -> x.get("batch").equals(b) && x.get("k").equals(0)).findFirst().orElse(null);
                    double speedup = plainRow == null ? 1 : tps / (double) plainRow.get("tokens_per_s");
                    row.put("speedup_tokens_per_s", speedup);
                    rows.add(row);
                    System.out.printf("%-6d %3d %9d %9.3f %11.1f %9.2fx %10s %12.2f %9.3f %7d/%d%n", b, k, r.steps, msPerStep, tps, speedup,
                            r.draftTokens == 0 ? "-" : String.format("%.1f%%", 100.0 * r.acceptedTokens / r.draftTokens),
                            (double) r.decodeTokens / (r.decodeTokens - r.acceptedTokens), floorMs, same, b);
                }
            }
        }
        System.out.printf("(floor = %.3f GB of weights per step / %.0f GB/s measured; steps and tokens count decode only, after every first token)%n",
                weightBytes / 1e9, bandwidth / 1e9);
        if (json != null) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("command", "spec-bench " + String.join(" ", commandLine()));
            out.put("model", model != null ? model.getFileName().toString() : config.getFileName().toString());
            out.put("backend", backend);
            out.put("bandwidth_GBps", bandwidth / 1e9);
            out.put("weight_bytes_per_step", weightBytes);
            out.put("results", rows);
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), out);
            System.out.println("wrote " + json);
        }
        return 0;
    }

    private List<String> commandLine() {
        List<String> a = new ArrayList<>();
        if (model != null) a.addAll(List.of("--model", model.toString()));
        if (config != null) a.addAll(List.of("--config", config.toString()));
        a.addAll(List.of("--backend", backend, "--k", join(ks), "--lookup-min", "" + lookupMin, "--lookup-max", "" + lookupMax,
                "--batch", join(batches), "--prompt-len", "" + promptLen, "--max-tokens", "" + maxTokens));
        return a;
    }

    private static String join(List<Integer> l) { return String.join(",", l.stream().map(String::valueOf).toList()); }

    private record Run(double seconds, long steps, long decodeTokens, long draftTokens, long acceptedTokens, List<int[]> outputs) {}

    /** Greedy requests for the prompts; times decode only: from the step after every first token to the end. */
    private static Run run(LlmEngine engine, List<int[]> prompts, int maxTokens) {
        DecodeRun r = DecodeRun.of(engine, prompts, i -> SamplingParams.greedy(maxTokens).withIgnoreEos(true));
        EngineStats s0 = r.before(), s1 = r.after();
        return new Run(r.seconds(), r.steps(), s1.generatedTokens() - s0.generatedTokens(),
                s1.specDraftTokens() - s0.specDraftTokens(), s1.specAcceptedTokens() - s0.specAcceptedTokens(), r.outputs());
    }

    private double measureBandwidth(LlmEngine engine) {
        if (engine.runner().backend(0) instanceof CudaBackend cb) return cb.measureCopyBandwidth(1L << 30, 20);
        return MemoryBandwidth.measure(1L << 30, threads > 0 ? threads : Runtime.getRuntime().availableProcessors(), 5);
    }
}
