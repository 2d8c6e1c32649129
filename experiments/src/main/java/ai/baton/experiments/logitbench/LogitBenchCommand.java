package ai.baton.experiments.logitbench;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.LlmEngine;
import ai.baton.engine.guide.GuideSpec;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.sampling.Penalties;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
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
import java.util.function.IntFunction;

/**
 * Decode steps whose requests adjust their logits (penalties, logit bias, a guide) or want logprobs, with the edits
 * made and the logprobs taken where the draw happens (on a GPU: {@code logit_edits}, {@code logprobs_split_*}; only token
 * ids and logprobs come back) against the earlier way, the whole step's logits brought to the host and drawn there
 * ({@code -Dbaton.deviceLogitEdits=false}). Plain decoding of the same requests is the floor beside them: editing a row
 * cannot make a step cheaper than not editing it. Every variant is greedy, so both ways must give the same tokens,
 * which the table checks, and for logprobs the same ranks and alternatives, with the largest difference of a logprob.
 */
@Command(name = "logit-bench", mixinStandardHelpOptions = true,
        description = "Penalised, biased and guided decoding: logits edited on the device vs brought to the host, beside plain decoding.")
public final class LogitBenchCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Hugging Face model directory") Path model;
    @Option(names = "--config", description = "instead of --model: a config.json to fill with synthetic weights") Path config;
    @Option(names = "--tokenizer", description = "with --config: a directory with tokenizer.json, for the guided variant") Path tokenizer;
    @Option(names = "--backend", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE})") String backend;
    @Option(names = "--batch", split = ",", defaultValue = "1,8,32") List<Integer> batches;
    @Option(names = "--prompt-len", defaultValue = "128", description = "random prompt tokens per request") int promptLen;
    @Option(names = "--max-tokens", defaultValue = "64") int maxTokens;
    @Option(names = "--threads", defaultValue = "0") int threads;
    @Option(names = "--json", description = "write results to this file") Path json;

    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new LogitBenchCommand()).execute(args));
    }

    private record Variant(String name, IntFunction<SamplingParams> params) {}

    @Override
    public Integer call() throws Exception {
        if ((model == null) == (config == null)) throw new IllegalArgumentException("give exactly one of --model and --config");
        if (tokenizer != null && config == null) throw new IllegalArgumentException("--tokenizer goes with --config (a model directory has its own)");
        ModelConfig mc = ModelConfig.load(model != null ? model.resolve("config.json") : config);
        int maxBatch = batches.stream().mapToInt(Integer::intValue).max().orElse(1);
        EngineConfig ec = (model != null ? EngineConfig.forModel(model) : EngineConfig.forModel(tokenizer).withSynthetic(config))
                .withBackend(backend).withThreads(threads)
                .withKvBlocks(maxBatch * ((promptLen + maxTokens + 2) / 16 + 2) + 16)
                .withMaxBatchTokens(Math.max(512, maxBatch)).withMaxSequences(Math.max(64, maxBatch))
                .withPrefixCaching(false);
        boolean guided = model != null || tokenizer != null;
        int vocab = mc.vocabSize();
        SplittableRandom rnd = new SplittableRandom(1);
        List<int[]> prompts = new ArrayList<>();
        // prompts of ids the tokenizer knows (151k of Qwen3's 152k), some repeated so that repetition penalties bite
        for (int i = 0; i < maxBatch; i++) prompts.add(rnd.ints(promptLen, 0, Math.min(vocab, 150_000)).map(t -> t % 7 == 0 ? t % 64 : t).toArray());
        Map<Integer, Float> bias = new LinkedHashMap<>();
        for (int i = 0; i < 16; i++) bias.put(rnd.nextInt(Math.min(vocab, 150_000)), (float) (rnd.nextDouble() * 4 - 2));

        SamplingParams plain = SamplingParams.greedy(maxTokens).withIgnoreEos(true);
        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("plain", i -> plain));
        variants.add(new Variant("penalties", i -> plain.withPenalties(new Penalties(0.5, 0.3, 1.1))));
        variants.add(new Variant("logit_bias", i -> plain.withLogitBias(bias)));
        // every output token through a guide; min_tokens holds EOS back so that each request runs max_tokens steps
        if (guided) variants.add(new Variant("guided_regex", i -> plain.withGuide(GuideSpec.regex("[a-z ]+")).withMinTokens(maxTokens)));
        // no edits, but logprobs of the raw logits (the drawn token's and the 5 best) for every token
        variants.add(new Variant("logprobs_5", i -> plain.withLogprobs(5)));
        variants.add(new Variant("logprobs_20", i -> plain.withLogprobs(SamplingParams.MAX_LOGPROBS)));  // the most asked for
        // both: the raw row is saved before the edits, so that the logprobs are the raw model's
        variants.add(new Variant("penalties_lp5", i -> plain.withPenalties(new Penalties(0.5, 0.3, 1.1)).withLogprobs(5)));

        Map<String, Map<Integer, DecodeRun>> host = runAll(ec, false, variants, prompts), device = runAll(ec, true, variants, prompts);
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.printf("%-13s %6s %11s %12s %11s %12s %10s %10s %8s%n", "variant", "batch", "host plain", "host edited",
                "dev plain", "dev edited", "host/plain", "dev/plain", "= host");
        for (Variant v : variants) {
            for (int b : batches) {
                // each way against plain decoding on its own engine (the first engine of a run warms the JIT for both)
                DecodeRun hp = host.get("plain").get(b), dp = device.get("plain").get(b), h = host.get(v.name).get(b), d = device.get(v.name).get(b);
                int same = 0, sameTop = 0, lpCount = 0;
                double lpDiff = 0;
                for (int i = 0; i < b; i++) {
                    if (Arrays.equals(h.outputs().get(i), d.outputs().get(i))) same++;
                    List<TokenLogprobs> hl = h.logprobs().get(i), dl = d.logprobs().get(i);
                    for (int k = 0; k < Math.min(hl.size(), dl.size()); k++) {
                        lpCount++;
                        lpDiff = Math.max(lpDiff, Math.abs(hl.get(k).logprob() - dl.get(k).logprob()));
                        float[] ht = hl.get(k).topLogprobs(), dt = dl.get(k).topLogprobs();
                        for (int j = 0; j < Math.min(ht.length, dt.length); j++) lpDiff = Math.max(lpDiff, Math.abs(ht[j] - dt[j]));
                        if (hl.get(k).rank() == dl.get(k).rank() && Arrays.equals(hl.get(k).topIds(), dl.get(k).topIds())) sameTop++;
                    }
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("variant", v.name);
                row.put("batch", b);
                row.put("host_plain_ms_per_step", hp.msPerStep());
                row.put("host_ms_per_step", h.msPerStep());
                row.put("device_plain_ms_per_step", dp.msPerStep());
                row.put("device_ms_per_step", d.msPerStep());
                row.put("host_over_plain", h.msPerStep() / hp.msPerStep());
                row.put("device_over_plain", d.msPerStep() / dp.msPerStep());
                row.put("decode_steps", d.steps());
                row.put("outputs_equal_to_host", same);
                if (lpCount > 0) {
                    row.put("logprobs_compared", lpCount);
                    row.put("logprob_max_abs_diff", lpDiff);
                    row.put("rank_and_top_ids_equal", sameTop);
                }
                rows.add(row);
                System.out.printf("%-13s %6d %11.3f %12.3f %11.3f %12.3f %9.2fx %9.2fx %5d/%d%s%n", v.name, b, hp.msPerStep(), h.msPerStep(),
                        dp.msPerStep(), d.msPerStep(), h.msPerStep() / hp.msPerStep(), d.msPerStep() / dp.msPerStep(), same, b,
                        lpCount == 0 ? "" : String.format("  logprobs: max |diff| %.2e, rank and top ids equal %d/%d", lpDiff, sameTop, lpCount));
            }
        }
        System.out.println("(ms per decode step after every first token; plain = the same requests without edits, the floor of an edited step)");
        if (json != null) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("command", "logit-bench " + String.join(" ", commandLine()));
            out.put("model", model != null ? model.getFileName().toString() : config.getFileName().toString());
            out.put("backend", backend);
            out.put("vocab", vocab);
            out.put("results", rows);
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), out);
            System.out.println("wrote " + json);
        }
        return 0;
    }

    /** Every variant at every batch size on one engine, opened with edits on the device or not. */
    private Map<String, Map<Integer, DecodeRun>> runAll(EngineConfig ec, boolean onDevice, List<Variant> variants, List<int[]> prompts) {
        String before = System.getProperty("baton.deviceLogitEdits");
        System.setProperty("baton.deviceLogitEdits", Boolean.toString(onDevice));
        Map<String, Map<Integer, DecodeRun>> out = new LinkedHashMap<>();
        try (LlmEngine engine = LlmEngine.open(ec)) {
            for (Variant v : variants) {
                for (int b : batches) run(engine, prompts.subList(0, b), v, 16);  // warm-up: JIT, buffers, graphs
                Map<Integer, DecodeRun> byBatch = new LinkedHashMap<>();
                for (int b : batches) byBatch.put(b, run(engine, prompts.subList(0, b), v, maxTokens));
                out.put(v.name, byBatch);
            }
        } finally {
            if (before == null) System.clearProperty("baton.deviceLogitEdits");
            else System.setProperty("baton.deviceLogitEdits", before);
        }
        return out;
    }

    private List<String> commandLine() {
        List<String> a = new ArrayList<>();
        if (model != null) a.addAll(List.of("--model", model.toString()));
        if (config != null) a.addAll(List.of("--config", config.toString()));
        if (tokenizer != null) a.addAll(List.of("--tokenizer", tokenizer.toString()));
        a.addAll(List.of("--backend", backend, "--batch", String.join(",", batches.stream().map(String::valueOf).toList()),
                "--prompt-len", "" + promptLen, "--max-tokens", "" + maxTokens));
        return a;
    }

    /** The variant's requests for the prompts, timed over decode only. */
    private static DecodeRun run(LlmEngine engine, List<int[]> prompts, Variant v, int maxTokens) {
        return DecodeRun.of(engine, prompts, i -> v.params.apply(i).withMaxTokens(maxTokens));
    }
}
