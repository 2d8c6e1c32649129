package ai.baton.experiments.enginebench;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.EngineStats;
import ai.baton.engine.LlmEngine;
import ai.baton.engine.ModelRunner;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.sampling.Penalties;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.sampling.TokenLogprobs;
import ai.baton.engine.spec.SpeculativeConfig;
import ai.baton.engine.weights.DType;
import ai.baton.engine.weights.SafetensorsWeights;
import ai.baton.engine.weights.SyntheticWeights;
import ai.baton.engine.weights.WeightSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Correctness of the CUDA backend against the references, as one report: every HF fixture's last-position logits
 * (and all positions of the 17-token prompt) by relative L2, greedy tokens through the whole engine (with the logit
 * gap wherever a token differs), the text fixture's ids, 32 random batched requests of mixed lengths CUDA vs CPU,
 * and real-width layers (synthetic weights, few layers) CUDA vs CPU through chunked prefill, a cached prefix and
 * decode steps with and without graphs, with the flash kernel and with the paged fallback, and once more with RoPE as
 * its own kernel rather than fused into one-row decode attention (decode_rope_attention, the default on Hopper).
 */
@Command(name = "cuda-check", mixinStandardHelpOptions = true,
        description = "Check the CUDA backend against the HF fixtures and the CPU backend.")
public final class CudaCheckCommand implements Callable<Integer> {
    @Option(names = "--fixtures", defaultValue = "../shared/fixtures", description = "fixtures directory") Path fixtures;
    @Option(names = "--json", description = "write the report here") Path json;
    @Option(names = "--shapes", split = ",", defaultValue = "qwen3-0.6b:2,llama-3.2-1b:2,llama-3.1-8b:1",
            description = "hub-configs shape:layers for the real-width CUDA-vs-CPU check") List<String> shapes;
    @Option(names = "--tolerance", defaultValue = "2e-2") double tolerance;
    @Option(names = "--backend", defaultValue = "cuda", description = "the backend under test (cpu checks the harness itself)") String backend;
    @Option(names = "--skip", split = ",", defaultValue = "", description = "parts to skip: trace,fixtures,prompt,greedy,speculative,text,batch,shapes,fused,offload") List<String> skip;

    private static final String[] MODELS = {"qwen3-tiny", "qwen3-tiny-bf16", "llama3-tiny", "qwen2-tiny"};
    private final Map<String, Object> report = new LinkedHashMap<>();
    /** The EOS ids of each model directory's engine, recorded by {@link #generate} for the logit-gap analysis. */
    private final Map<Path, Set<Integer>> eosIds = new HashMap<>();
    private int failures;

    public static void main(String[] args) {
        System.exit(new CommandLine(new CudaCheckCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (!skip.contains("trace")) section("op_trace", this::trace);
        if (!skip.contains("fixtures")) section("fixture_logits", this::fixtureLogits);
        if (!skip.contains("prompt")) section("prompt_logprobs", this::promptLogprobs);
        if (!skip.contains("greedy")) section("fixture_greedy", this::fixtureGreedy);
        if (!skip.contains("speculative")) section("speculative_greedy", this::speculativeGreedy);
        if (!skip.contains("text")) section("text_fixture", this::textFixture);
        if (!skip.contains("batch")) section("random_batch_32", this::randomBatch);
        if (!skip.contains("shapes")) section("real_width", this::realWidth);
        if (!skip.contains("fused")) section("fused_decode", this::fusedDecode);
        if (!skip.contains("offload")) section("kv_offload", this::kvOffload);
        report.put("failures", failures);
        if (json != null) {
            Files.createDirectories(json.toAbsolutePath().getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
        }
        System.out.println(failures == 0 ? "cuda-check: all checks passed" : "cuda-check: " + failures + " check(s) FAILED");
        return failures == 0 ? 0 : 1;
    }

    private interface Part { Object run() throws Exception; }

    private void section(String name, Part p) {
        System.out.println("== " + name);
        try {
            report.put(name, p.run());
        } catch (Throwable e) {
            failures++;
            System.out.println("  ERROR " + e);
            e.printStackTrace(System.out);
            report.put(name, Map.of("error", String.valueOf(e)));
        }
    }

    private EngineConfig engineConfig(Path dir, String backend) {
        return EngineConfig.forModel(dir).withBackend(backend).withKvBlocks(256).withThreads(0);
    }

    // ------------------------------------------------------------ op-by-op trace against the CPU backend

    private Object trace() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String m : new String[]{"qwen3-tiny-bf16", "llama3-tiny"}) {
            Path dir = fixtures.resolve(m);
            ModelConfig mc = ModelConfig.load(dir.resolve("config.json"));
            try (SafetensorsWeights w = SafetensorsWeights.open(dir)) {
                for (int len : new int[]{1, 5, 17}) rows.add(traceOne(m, mc, w, new SplittableRandom(len).ints(len, 0, mc.vocabSize()).toArray()));
            }
        }
        ModelConfig wide = withLayers(ModelConfig.load(fixtures.resolve("hub-configs").resolve("qwen3-0.6b.json")), 1);
        try (WeightSource w = new SyntheticWeights(wide, DType.BF16, 3)) {
            for (int len : new int[]{1, 70}) rows.add(traceOne("qwen3-0.6b:1", wide, w, new SplittableRandom(len).ints(len, 0, wide.vocabSize()).toArray()));
        }
        return rows;
    }

    private Map<String, Object> traceOne(String label, ModelConfig mc, WeightSource w, int[] prompt) {
        ForwardBatch b = Steps.batch(List.of(new Steps.Chunk(prompt, 0, 0, blocks(prompt.length), true)), 16);
        List<TracingBackend> runs = new ArrayList<>();
        for (String name : new String[]{"cpu", backend}) {
            TracingBackend tb = new TracingBackend(ai.baton.engine.backend.Backends.create(name, 0, 0));
            if (tb.d instanceof ai.baton.engine.backend.cuda.CudaBackend cb) cb.setGraphsEnabled(false);
            try {
                var t = new ai.baton.engine.model.Transformer(mc, w, tb, ai.baton.engine.model.Shard.single(mc),
                        ai.baton.engine.backend.Communicator.SINGLE);
                var kv = tb.allocateKvCache(new ai.baton.engine.backend.KvLayout(mc.numLayers(), blocks(prompt.length) + 1, 16,
                        mc.numKvHeads(), mc.headDim(), "cpu".equals(name) ? 4 : 2));
                try {
                    t.forward(b, kv);
                } catch (RuntimeException e) {
                    System.out.println("  " + label + " on " + name + " failed after op " + tb.names.size() + ": " + e.getMessage());
                } finally {
                    kv.close();
                }
            } finally {
                tb.close();
            }
            runs.add(tb);
        }
        TracingBackend cpu = runs.get(0), gpu = runs.get(1);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", label);
        r.put("prompt_len", prompt.length);
        List<String> ops = new ArrayList<>();
        int n = Math.min(cpu.values.size(), gpu.values.size());
        String firstBad = null;
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < n; i++) {
            float[] a = gpu.values.get(i), c = cpu.values.get(i);
            if (a.length == 0 && c.length == 0) continue;  // an op whose output is not compared (TracingBackend)
            double e = a.length == c.length ? Steps.relativeL2(a, 0, c, 0, c.length) : Double.NaN;
            ops.add(String.format("%s %.2e", cpu.names.get(i), e));
            if (firstBad == null && !(e < 0.03)) firstBad = i + " " + cpu.names.get(i) + " rel L2 " + e + " (sizes " + a.length + "/" + c.length + ")";
            if (i < 24) line.append(String.format(" %s=%.1e", cpu.names.get(i).replace("linear ", "lin").replace("addRmsNorm", "addNorm"), e));
        }
        r.put("ops", ops);
        r.put("first_divergence", firstBad);
        System.out.printf("  %-16s prompt %3d: %d ops; first divergence: %s%n    %s%n", label, prompt.length, n,
                firstBad == null ? "none" : firstBad, line);
        if (firstBad != null) {
            failures++;
            // The values where they first differ, to tell wrong indexing from wrong math.
            int i = Integer.parseInt(firstBad.split(" ")[0]);
            float[] a = gpu.values.get(i), c = cpu.values.get(i);
            StringBuilder sa = new StringBuilder(), sc = new StringBuilder();
            for (int k = 0; k < Math.min(12, Math.min(a.length, c.length)); k++) {
                sa.append(String.format(" %.4f", a[k]));
                sc.append(String.format(" %.4f", c[k]));
            }
            System.out.println("    cuda:" + sa + "\n    cpu: " + sc);
        }
        return r;
    }

    // ------------------------------------------------------------ fixtures: logits

    private Object fixtureLogits() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String m : MODELS) {
            Path dir = fixtures.resolve(m);
            ModelConfig mc = ModelConfig.load(dir.resolve("config.json"));
            JsonNode cases = json(dir.resolve("expected.json")).get("cases");
            try (SafetensorsWeights w = SafetensorsWeights.open(dir); ModelRunner cuda = new ModelRunner(mc, w, engineConfig(dir, backend), 256)) {
                for (JsonNode c : cases) {
                    int[] prompt = ints(c.get("prompt"));
                    float[] ref = floats(c.get("last_logits"));
                    float[] got = cuda.forward(Steps.batch(List.of(new Steps.Chunk(prompt, 0, 0, blocks(prompt.length), true)), 16));
                    double err = Steps.relativeL2(got, 0, ref, 0, ref.length);
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("model", m);
                    r.put("prompt_len", prompt.length);
                    r.put("rel_l2_last", err);
                    r.put("argmax_equal", Steps.argmax(got, 0, ref.length) == Steps.argmax(ref, 0, ref.length));
                    if (c.has("all_logits")) {
                        float[] all = cuda.forward(Steps.allRows(prompt, 16));
                        JsonNode ex = c.get("all_logits");
                        double worst = 0;
                        for (int i = 0; i < ex.size(); i++) {
                            float[] e = floats(ex.get(i));
                            worst = Math.max(worst, Steps.relativeL2(all, i * e.length, e, 0, e.length));
                        }
                        r.put("rel_l2_all_positions_max", worst);
                        err = Math.max(err, worst);
                    }
                    boolean ok = err < tolerance;
                    r.put("pass", ok);
                    if (!ok) failures++;
                    rows.add(r);
                    System.out.printf("  %-16s prompt %4d  rel L2 %.2e %s%s%n", m, prompt.length, (double) r.get("rel_l2_last"),
                            r.containsKey("rel_l2_all_positions_max") ? String.format("(all positions max %.2e) ", (double) r.get("rel_l2_all_positions_max")) : "",
                            ok ? "ok" : "FAIL");
                }
            }
        }
        return rows;
    }

    // ------------------------------------------------------------ fixtures: prompt logprobs through the engine

    /**
     * Prompt logprobs (vLLM's prompt_logprobs) through the engine's scheduler, in steps of 5 tokens so that prompt rows,
     * a sampling row and another request's decode rows share steps: each prompt token's logprob against
     * log_softmax(HF all_logits) of the position before it (relative L2 over the prompt), and the top alternative.
     */
    private Object promptLogprobs() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String m : MODELS) {
            Path dir = fixtures.resolve(m);
            for (JsonNode c : json(dir.resolve("expected.json")).get("cases")) {
                if (!c.has("all_logits")) continue;
                int[] prompt = ints(c.get("prompt"));
                List<TokenLogprobs> got = new ArrayList<>();
                try (LlmEngine engine = LlmEngine.open(engineConfig(dir, backend).withMaxBatchTokens(5))) {
                    engine.submit(null, prompt, SamplingParams.greedy(6).withIgnoreEos(true), o -> {});
                    engine.submit(null, prompt, SamplingParams.greedy(2).withIgnoreEos(true).withPromptLogprobs(1), o -> {
                        if (o.promptLogprobs() != null) got.addAll(o.promptLogprobs());
                    });
                    engine.runUntilIdle();
                }
                float[] mine = new float[prompt.length - 1], ref = new float[prompt.length - 1];
                int topAgrees = 0;
                for (int p = 1; p < prompt.length && got.size() == prompt.length; p++) {
                    float[] logits = floats(c.get("all_logits").get(p - 1));
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (float v : logits) max = Math.max(max, v);
                    for (float v : logits) sum += Math.exp(v - max);
                    ref[p - 1] = (float) (logits[prompt[p]] - max - Math.log(sum));
                    mine[p - 1] = got.get(p).logprob();
                    if (got.get(p).topIds()[0] == Steps.argmax(logits, 0, logits.length)) topAgrees++;
                }
                double err = got.size() == prompt.length ? Steps.relativeL2(mine, 0, ref, 0, ref.length) : Double.NaN;
                boolean ok = err < tolerance;
                if (!ok) failures++;
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("model", m);
                r.put("prompt_len", prompt.length);
                r.put("rel_l2_prompt_logprobs", err);
                r.put("top1_equal", topAgrees + "/" + (prompt.length - 1));
                r.put("pass", ok);
                rows.add(r);
                System.out.printf("  %-16s prompt %4d  prompt logprobs rel L2 %.2e, top-1 %d/%d %s%n", m, prompt.length, err, topAgrees,
                        prompt.length - 1, ok ? "ok" : "FAIL");
            }
        }
        return rows;
    }

    // ------------------------------------------------------------ fixtures: greedy through the engine

    private Object fixtureGreedy() { return fixtureGreedy(SpeculativeConfig.NONE); }

    /**
     * The fixtures' greedy tokens with n-gram speculation on (4 draft tokens, suffixes of 1-3): the verify passes run
     * several query rows per sequence through the prefill path, so a difference must again be a near-tie, and drafts
     * must have been kept.
     */
    // ------------------------------------------------------------ the host offload tier

    /**
     * KV blocks evicted to the host tier and copied back must be the bytes that were computed: on a 16-block pool with
     * a tier, case 4 runs, cases 3 and 2 evict it, and case 4 runs again with its prefix from the tier. Its greedy
     * tokens must equal those of case 4 rerun from the device prefix cache of a large pool (the same kernels over the
     * same cached prefix), and its first run those of a cold run.
     */
    private Object kvOffload() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String m : MODELS) {
            Path dir = fixtures.resolve(m);
            JsonNode cases = json(dir.resolve("expected.json")).get("cases");
            int[] expected = ints(cases.get(4).get("greedy"));
            int[] a1, a2, b1, b3;
            try (LlmEngine a = LlmEngine.open(engineConfig(dir, backend))) {
                a1 = greedyRun(a, cases.get(4), expected.length);
                a2 = greedyRun(a, cases.get(4), expected.length);
            }
            long tierTokens, saved;
            try (LlmEngine b = LlmEngine.open(engineConfig(dir, backend).withKvBlocks(16).withKvOffloadBytes(1 << 20))) {
                b1 = greedyRun(b, cases.get(4), expected.length);
                greedyRun(b, cases.get(3), expected.length);
                greedyRun(b, cases.get(2), expected.length);
                long before = b.stats().offloadHitTokens();
                b3 = greedyRun(b, cases.get(4), expected.length);
                tierTokens = b.stats().offloadHitTokens() - before;
                saved = b.stats().offloadSavedBlocks();
            }
            boolean ok = tierTokens > 0 && java.util.Arrays.equals(a1, b1) && java.util.Arrays.equals(a2, b3);
            if (!ok) failures++;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", m);
            r.put("tier_hit_tokens", tierTokens);
            r.put("saved_blocks", saved);
            r.put("cold_equal", java.util.Arrays.equals(a1, b1));
            r.put("from_tier_equal_to_from_pool", java.util.Arrays.equals(a2, b3));
            r.put("from_tier_equal_to_hf", java.util.Arrays.equals(expected, b3));
            rows.add(r);
            System.out.printf("  %-16s %s: %d prompt tokens from the tier (%d blocks saved); equal to the pool-cached run: %s, to HF: %s%n",
                    m, ok ? "ok" : "FAILED", tierTokens, saved, java.util.Arrays.equals(a2, b3), java.util.Arrays.equals(expected, b3));
        }
        return rows;
    }

    private static int[] greedyRun(LlmEngine engine, JsonNode c, int maxTokens) {
        java.util.List<Integer> tokens = new ArrayList<>();
        engine.submit("offload-" + System.nanoTime(), ints(c.get("prompt")), SamplingParams.greedy(maxTokens).withIgnoreEos(true),
                o -> { if (o.newToken() >= 0) tokens.add(o.newToken()); });
        engine.runUntilIdle();
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    private Object speculativeGreedy() { return fixtureGreedy(new SpeculativeConfig(4, 1, 3)); }

    private Object fixtureGreedy(SpeculativeConfig spec) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String m : MODELS) {
            Path dir = fixtures.resolve(m);
            JsonNode cases = json(dir.resolve("expected.json")).get("cases");
            List<int[]> prompts = new ArrayList<>(), expected = new ArrayList<>();
            for (JsonNode c : cases) {
                prompts.add(ints(c.get("prompt")));
                expected.add(ints(c.get("greedy")));
            }
            List<int[]> got = generateAll(engineConfig(dir, backend).withSpeculative(spec), dir, prompts,
                    greedy(prompts.size(), expected.getFirst().length)).stream().map(Generation::tokens).toList();
            EngineStats stats = lastStats;
            List<Generation> logged = generateLogged(dir, prompts, greedy(prompts.size(), expected.getFirst().length));
            for (int i = 0; i < prompts.size(); i++)
                rows.add(compareGreedy(m, dir, prompts.get(i), expected.get(i), got.get(i), logged.get(i)));
            if (spec.enabled()) {
                Map<String, Object> st = new LinkedHashMap<>();
                st.put("model", m);
                st.put("draft_tokens", stats.specDraftTokens());
                st.put("accepted_tokens", stats.specAcceptedTokens());
                st.put("steps", stats.steps());
                st.put("generated_tokens", stats.generatedTokens());
                // The same requests with logprobs, which verify rows take on the device: the same tokens, each the
                // best of its row (rank 1 and first among the alternatives, as a greedy draw must be).
                List<Generation> withLp = generateAll(engineConfig(dir, backend).withSpeculative(spec), dir, prompts,
                        greedy(prompts.size(), expected.getFirst().length).stream().map(p -> p.withLogprobs(5)).toList());
                int same = 0, tokens = 0, best = 0;
                for (int i = 0; i < prompts.size(); i++) {
                    Generation g = withLp.get(i);
                    if (Arrays.equals(g.tokens(), got.get(i))) same++;
                    for (int k = 0; k < g.tokens().length && k < g.logprobs().size(); k++) {
                        TokenLogprobs lp = g.logprobs().get(k);
                        tokens++;
                        if (lp.rank() == 1 && lp.topIds().length > 0 && lp.topIds()[0] == g.tokens()[k] && lp.logprob() == lp.topLogprobs()[0]) best++;
                    }
                }
                st.put("with_logprobs_same_tokens", same);
                st.put("with_logprobs_tokens_best_of_row", best + "/" + tokens);
                rows.add(st);
                System.out.printf("  %-16s %d draft tokens, %d kept, %d steps for %d tokens; with logprobs: same tokens %d/%d, best of row %d/%d%n",
                        m, stats.specDraftTokens(), stats.specAcceptedTokens(), stats.steps(), stats.generatedTokens(), same, prompts.size(),
                        best, tokens);
                if (stats.specAcceptedTokens() == 0 || same != prompts.size() || best != tokens || tokens == 0) failures++;
            }
        }
        return rows;
    }

    /** Equal, or the first difference with the reference's logit gap there (CPU fp32 logits of the same prefix). */
    private Map<String, Object> compareGreedy(String m, Path dir, int[] prompt, int[] expected, int[] got, Generation logged) {
        return compareGreedy(m, dir, prompt, expected, got, logged, null);
    }

    /**
     * Where {@code got} first differs from {@code expected}: the logit gap between the two tokens in the reference (CPU)
     * logits of the expected prefix, in the device's logits that generated the token ({@code logged}) and in the device's
     * one-prompt prefill of the prefix (adjusted as the engine adjusts them for {@code adjusted}'s penalties, bias and
     * min_tokens, when given), and whether the difference is a near-tie.
     */
    private Map<String, Object> compareGreedy(String m, Path dir, int[] prompt, int[] expected, int[] got, Generation logged,
                                              SamplingParams adjusted) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", m);
        r.put("prompt_len", prompt.length);
        int first = -1;
        for (int i = 0; i < expected.length; i++) if (i >= got.length || got[i] != expected[i]) { first = i; break; }
        r.put("identical", first < 0);
        if (first >= 0) {
            r.put("first_difference", first);
            int[] prefix = new int[prompt.length + first];
            System.arraycopy(prompt, 0, prefix, 0, prompt.length);
            System.arraycopy(expected, 0, prefix, prompt.length, first);
            int alt = first < got.length ? got[first] : -1;
            float[] cpu = lastLogits(dir, "cpu", prefix), gpu = lastLogits(dir, backend, prefix);
            int e = expected[first];
            double rawCpuGap = alt >= 0 ? cpu[e] - cpu[alt] : Double.NaN;
            if (adjusted != null) {
                Set<Integer> eos = eosIds.get(dir);  // as the engines that generated both outputs had them
                for (float[] row : List.of(cpu, gpu))
                    adjusted.adjustLogits(row, row.length, p -> prefix[p], prompt.length, prefix.length, eos);
            }
            double cpuGap = alt >= 0 ? cpu[e] - cpu[alt] : Double.NaN, gpuGap = alt >= 0 ? gpu[e] - gpu[alt] : Double.NaN;
            // The gap in the logits that generated the token (the logged run's step, when it took the same path and
            // both tokens are among its top logprobs), shifted by the request's adjustment as the reference has it.
            double genGap = generationGap(logged, got, first, e, alt) + (cpuGap - rawCpuGap);
            double scale = 0;
            for (float v : cpu) scale = Math.max(scale, Math.abs(v));
            r.put("expected_token", e);
            r.put("cuda_token", alt);
            r.put("cpu_logit_gap", cpuGap);
            r.put("cuda_logit_gap", gpuGap);
            r.put("cuda_generation_logit_gap", genGap);
            r.put("max_abs_logit", scale);
            // A near-tie: a reference gap within 2% of the logit scale, reversed on the device by as little: the
            // generation's own gap (reversed, as greedy chose the other token) is as small. Without it, the one-prompt
            // prefill's gap must show the reversal.
            double tie = 0.02 * Math.max(1, scale);
            boolean nearTie = Math.abs(cpuGap) < tie && (Double.isNaN(genGap) ? gpuGap <= 0 : Math.abs(genGap) < tie);
            r.put("near_tie", nearTie);
            if (!nearTie) failures++;
        }
        System.out.printf("  %-16s prompt %4d  %s%n", m, prompt.length, first < 0 ? "identical"
                : String.format("differs at %d: expected %s, cuda %s, reference gap %.4g (cuda gap %.4g in generation, %.4g as one prefill) %s",
                first, r.get("expected_token"), r.get("cuda_token"), (double) r.get("cpu_logit_gap"), (double) r.get("cuda_generation_logit_gap"),
                (double) r.get("cuda_logit_gap"), (boolean) r.get("near_tie") ? "near-tie" : "FAIL"));
        return r;
    }

    /** logprob(e) - logprob(alt) at step `first` of the logged generation, or NaN where it cannot say. */
    private static double generationGap(Generation logged, int[] got, int first, int e, int alt) {
        if (logged == null || alt < 0 || first >= logged.logprobs().size() || logged.tokens().length <= first) return Double.NaN;
        for (int i = 0; i <= first; i++) if (logged.tokens()[i] != got[i]) return Double.NaN;  // took another path
        TokenLogprobs lp = logged.logprobs().get(first);
        double le = Double.NaN, la = Double.NaN;
        for (int k = 0; k < lp.topIds().length; k++) {
            if (lp.topIds()[k] == e) le = lp.topLogprobs()[k];
            if (lp.topIds()[k] == alt) la = lp.topLogprobs()[k];
        }
        return le - la;
    }

    private float[] lastLogits(Path dir, String backend, int[] prompt) {
        ModelConfig mc = ModelConfig.load(dir.resolve("config.json"));
        try (SafetensorsWeights w = SafetensorsWeights.open(dir); ModelRunner r = new ModelRunner(mc, w, engineConfig(dir, backend), blocks(prompt.length) + 1)) {
            return r.forward(Steps.batch(List.of(new Steps.Chunk(prompt, 0, 0, blocks(prompt.length), true)), 16));
        }
    }

    /** A generation's tokens and, when it asked for them, each token's logprobs (the raw model's, best first). */
    private record Generation(int[] tokens, List<TokenLogprobs> logprobs) {}

    /**
     * The same requests generated again with the top logprobs of every step: the logits that chose each token, for the
     * analysis of a difference (the checked run asks for none, so that its steps sample on the device).
     */
    private List<Generation> generateLogged(Path dir, List<int[]> prompts, List<SamplingParams> params) {
        return generateAll(dir, backend, prompts, params.stream().map(p -> p.withLogprobs(SamplingParams.MAX_LOGPROBS)).toList());
    }

    private static List<SamplingParams> greedy(int n, int maxTokens) {
        List<SamplingParams> params = new ArrayList<>();
        for (int i = 0; i < n; i++) params.add(SamplingParams.greedy(maxTokens).withIgnoreEos(true));
        return params;
    }

    private List<int[]> generate(Path dir, String backend, List<int[]> prompts, int maxTokens) {
        return generate(dir, backend, prompts, greedy(prompts.size(), maxTokens));
    }

    private List<int[]> generate(Path dir, String backend, List<int[]> prompts, List<SamplingParams> params) {
        return generateAll(dir, backend, prompts, params).stream().map(Generation::tokens).toList();
    }

    private List<Generation> generateAll(Path dir, String backend, List<int[]> prompts, List<SamplingParams> params) {
        return generateAll(engineConfig(dir, backend), dir, prompts, params);
    }

    /** The engine's stats after the last {@link #generateAll}. */
    private EngineStats lastStats;

    private List<Generation> generateAll(EngineConfig config, Path dir, List<int[]> prompts, List<SamplingParams> params) {
        List<List<Integer>> out = new ArrayList<>();
        List<List<TokenLogprobs>> lps = new ArrayList<>();
        try (LlmEngine engine = LlmEngine.open(config)) {
            eosIds.put(dir, engine.eosTokenIds());
            for (int i = 0; i < prompts.size(); i++) {
                List<Integer> toks = new ArrayList<>();
                List<TokenLogprobs> lp = new ArrayList<>();
                out.add(toks);
                lps.add(lp);
                engine.submit(null, prompts.get(i), params.get(i), o -> {
                    if (o.newToken() < 0) return;
                    toks.add(o.newToken());
                    if (o.logprobs() != null) lp.add(o.logprobs());
                });
            }
            engine.runUntilIdle();
            lastStats = engine.stats();
        }
        List<Generation> res = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) res.add(new Generation(out.get(i).stream().mapToInt(Integer::intValue).toArray(), lps.get(i)));
        return res;
    }

    // ------------------------------------------------------------ text fixture

    private Object textFixture() {
        Path dir = fixtures.resolve("qwen3-text-tiny");
        JsonNode cases = json(dir.resolve("expected.json")).get("cases");
        List<int[]> prompts = new ArrayList<>(), expected = new ArrayList<>();
        for (JsonNode c : cases) {
            prompts.add(ints(c.get("prompt_ids")));
            expected.add(ints(c.get("greedy_ids")));
        }
        List<int[]> got = generate(dir, backend, prompts, 20);
        List<Generation> logged = generateLogged(dir, prompts, greedy(prompts.size(), 20));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++)
            rows.add(compareGreedy("qwen3-text-tiny", dir, prompts.get(i), expected.get(i), got.get(i), logged.get(i)));
        return rows;
    }

    // ------------------------------------------------------------ 32 random batched requests, CUDA vs CPU

    private Object randomBatch() {
        Path dir = fixtures.resolve("qwen3-text-tiny");
        ModelConfig mc = ModelConfig.load(dir.resolve("config.json"));
        SplittableRandom rnd = new SplittableRandom(2026);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            int len = i % 4 == 0 ? 1 + rnd.nextInt(8) : i % 4 == 1 ? 8 + rnd.nextInt(60) : i % 4 == 2 ? 64 + rnd.nextInt(200) : 256 + rnd.nextInt(400);
            prompts.add(rnd.ints(len, 0, mc.vocabSize()).toArray());
        }
        Map<String, Object> r = new LinkedHashMap<>();
        // (a) last-position logits of all 32 prompts in ONE batched forward pass.
        List<Steps.Chunk> chunks = new ArrayList<>();
        int block = 0, total = 0;
        for (int[] p : prompts) {
            chunks.add(new Steps.Chunk(p, 0, block, blocks(p.length), true));
            block += blocks(p.length);
            total += p.length;
        }
        ForwardBatch fb = Steps.batch(chunks, 16);
        float[] cpu, gpu;
        try (SafetensorsWeights w = SafetensorsWeights.open(dir)) {
            try (ModelRunner c = new ModelRunner(mc, w, engineConfig(dir, "cpu"), block + 1)) { cpu = c.forward(fb); }
            try (ModelRunner g = new ModelRunner(mc, w, engineConfig(dir, backend), block + 1)) { gpu = g.forward(fb); }
        }
        int v = mc.vocabSize();
        double worst = 0;
        int argmaxEqual = 0;
        for (int i = 0; i < prompts.size(); i++) {
            worst = Math.max(worst, Steps.relativeL2(gpu, i * v, cpu, i * v, v));
            if (Steps.argmax(gpu, i * v, v) == Steps.argmax(cpu, i * v, v)) argmaxEqual++;
        }
        r.put("batched_tokens", total);
        r.put("prompt_lengths", prompts.stream().mapToInt(p -> p.length).toArray());
        r.put("logits_rel_l2_max", worst);
        r.put("logits_argmax_equal", argmaxEqual);
        System.out.printf("  one batched pass of %d tokens: worst relative L2 %.2e, argmax equal %d/32%n", total, worst, argmaxEqual);
        if (worst >= tolerance) failures++;
        // (b) greedy generation of 16 tokens through both engines (continuous batching, chunked prefill, graphs).
        List<int[]> a = generate(dir, "cpu", prompts, 16), b = generate(dir, backend, prompts, 16);
        List<Generation> bLogged = generateLogged(dir, prompts, greedy(prompts.size(), 16));
        int identical = 0;
        List<Map<String, Object>> diffs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            if (java.util.Arrays.equals(a.get(i), b.get(i))) {
                identical++;
                continue;
            }
            Map<String, Object> d = compareGreedy("qwen3-text-tiny#" + i, dir, prompts.get(i), a.get(i), b.get(i), bLogged.get(i));
            diffs.add(d);
        }
        r.put("greedy_identical", identical);
        r.put("greedy_differences", diffs);
        System.out.printf("  greedy 16 tokens: %d/32 identical CUDA vs CPU%n", identical);
        // (c) the same 32 requests mixing logit adjustments (penalties, logit bias, min_tokens over a stop id) with plain
        // greedy ones in one batch: the adjusted rows take the host-logits path on the GPU, the others the device sampler.
        List<SamplingParams> mixed = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            SamplingParams p = SamplingParams.greedy(16).withIgnoreEos(true);
            mixed.add(switch (i % 4) {
                case 0 -> p.withPenalties(new Penalties(0.5, 0.5, 1.3));
                case 1 -> p.withLogitBias(Map.of(a.get(i)[0], -100f));
                case 2 -> new SamplingParams(0, 1, 0, 0, null, 16, List.of(a.get(i)[1]), List.of(), true, -1).withMinTokens(4);
                default -> p;
            });
        }
        List<int[]> ma = generate(dir, "cpu", prompts, mixed), mb = generate(dir, backend, prompts, mixed);
        List<Generation> mbLogged = generateLogged(dir, prompts, mixed);
        int mixedIdentical = 0;
        List<Map<String, Object>> mixedDiffs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            if (java.util.Arrays.equals(ma.get(i), mb.get(i))) mixedIdentical++;
            else mixedDiffs.add(compareGreedy("adjusted#" + i, dir, prompts.get(i), ma.get(i), mb.get(i), mbLogged.get(i), mixed.get(i)));
        }
        r.put("adjusted_identical", mixedIdentical);
        r.put("adjusted_differences", mixedDiffs);
        System.out.printf("  greedy 16 tokens with penalties / logit bias / min_tokens on 3 of 4 requests: %d/32 identical CUDA vs CPU%n",
                mixedIdentical);
        return r;
    }

    // ------------------------------------------------------------ real widths, few layers

    private Object realWidth() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String s : shapes) {
            String[] parts = s.split(":");
            ModelConfig full = ModelConfig.load(fixtures.resolve("hub-configs").resolve(parts[0] + ".json"));
            int layers = parts.length > 1 ? Integer.parseInt(parts[1]) : 2;
            ModelConfig mc = withLayers(full, layers);
            try (WeightSource w = new SyntheticWeights(mc, DType.BF16, 11)) {
                Scenario sc = scenario(mc, parts[0].contains("8b") ? 300 : 700);
                List<float[]> cpu = run(mc, w, "cpu", sc.steps, sc.blocks);
                // flash prefill on and off (RoPE fused into decode attention, the default); then RoPE as its own kernel
                for (String[] v : new String[][]{{"true", "true"}, {"false", "true"}, {"true", "false"}}) {
                    System.setProperty("baton.cuda.flash", v[0]);
                    System.setProperty("baton.cuda.ropeAttention", v[1]);
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("shape", parts[0]);
                    r.put("layers", layers);
                    r.put("flash_prefill", Boolean.parseBoolean(v[0]));
                    r.put("rope_attention", Boolean.parseBoolean(v[1]));
                    r.putAll(compare(mc, sc, cpu, run(mc, w, backend, sc.steps, sc.blocks),
                            "flash " + v[0] + ", rope+attention " + v[1] + " (prefill chunks, cached prefix, decode)"));
                    rows.add(r);
                }
                System.clearProperty("baton.cuda.flash");
                System.clearProperty("baton.cuda.ropeAttention");
                // decode batches of 16, 12, 8, 5 and 3 rows: the tensor-core GEMV (gemv_mma.cuh) in both of its token
                // widths, full and partly filled
                Scenario many = batchScenario(mc);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("shape", parts[0]);
                r.put("layers", layers);
                r.put("decode_batches", List.of(16, 12, 8, 5, 3));
                r.putAll(compare(mc, many, run(mc, w, "cpu", many.steps, many.blocks), run(mc, w, backend, many.steps, many.blocks),
                        "16 prompts prefilled together, decode steps of 16, 12, 8, 5 and 3 rows"));
                rows.add(r);
            }
        }
        System.clearProperty("baton.cuda.flash");
        System.clearProperty("baton.cuda.ropeAttention");
        return rows;
    }

    // ------------------------------------------------------------ one-token decode: the fused kernel against the CPU

    @Option(names = "--fused-shapes", split = ",", defaultValue = "qwen3-0.6b:3,llama-3.2-1b:2,qwen2.5-0.5b:2,llama-3.1-8b:1",
            description = "hub-configs shape:layers for the fused one-token decode check") List<String> fusedShapes;

    /**
     * Single-sequence decode steps (the fused decoder-layers kernel's case) after prompts of 1, 40 and 1100 tokens (one
     * to all of the kernel's context splits, block boundaries crossed), on the CPU, then on CUDA with the fused kernel
     * and without it. The fused logits must be within tolerance of the CPU's; their distance to the op-by-op CUDA
     * logits shows how close the two GPU paths are (same math, other summation order).
     */
    private Object fusedDecode() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String s : fusedShapes) {
            String[] parts = s.split(":");
            ModelConfig mc = withLayers(ModelConfig.load(fixtures.resolve("hub-configs").resolve(parts[0] + ".json")),
                    parts.length > 1 ? Integer.parseInt(parts[1]) : 2);
            SplittableRandom rnd = new SplittableRandom(17);
            List<ForwardBatch> steps = new ArrayList<>();
            int block = 0;
            for (int len : parts[0].contains("8b") ? new int[]{1, 40, 300} : new int[]{1, 40, 1100}) {
                int blocks = blocks(len + 4);
                steps.add(Steps.batch(List.of(new Steps.Chunk(rnd.ints(len, 0, mc.vocabSize()).toArray(), 0, block, blocks, true)), 16));
                for (int d = 0; d < 4; d++)
                    steps.add(Steps.batch(List.of(new Steps.Chunk(new int[]{rnd.nextInt(mc.vocabSize())}, len + d, block, blocks, true)), 16));
                block += blocks;
            }
            try (WeightSource w = new SyntheticWeights(mc, DType.BF16, 23)) {
                List<float[]> cpu = run(mc, w, "cpu", steps, block);
                System.setProperty("baton.cuda.fusedDecode", "false");
                System.setProperty("baton.cuda.headCluster", "false");
                List<float[]> unfused = run(mc, w, backend, steps, block);
                System.setProperty("baton.cuda.fusedDecode", "true");
                List<float[]> fused = run(mc, w, backend, steps, block);
                // the head-cluster layers (HeadClusterDecode), forced on wherever the shape allows them
                System.setProperty("baton.cuda.fusedDecode", "false");
                System.setProperty("baton.cuda.headCluster", "true");
                List<float[]> cluster = run(mc, w, backend, steps, block);
                System.clearProperty("baton.cuda.fusedDecode");
                System.clearProperty("baton.cuda.headCluster");
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("shape", parts[0]);
                r.put("layers", mc.numLayers());
                boolean ok = true;
                StringBuilder line = new StringBuilder();
                for (var path : List.of(Map.entry("fused", fused), Map.entry("head_cluster", cluster))) {
                    int v = mc.vocabSize();
                    double worstCpu = 0, worstUnfused = 0;
                    int argmaxEqual = 0, decodeRows = 0;
                    for (int i = 0; i < steps.size(); i++) {
                        if (steps.get(i).numTokens() != 1) continue;  // prefill: not the layer kernels'
                        decodeRows++;
                        float[] got = path.getValue().get(i);
                        worstCpu = Math.max(worstCpu, Steps.relativeL2(got, 0, cpu.get(i), 0, v));
                        worstUnfused = Math.max(worstUnfused, Steps.relativeL2(got, 0, unfused.get(i), 0, v));
                        if (Steps.argmax(got, 0, v) == Steps.argmax(cpu.get(i), 0, v)) argmaxEqual++;
                    }
                    // Either path sums in another order than op by op, so identical logits mean it did not run.
                    boolean taken = worstUnfused > 0;
                    boolean pass = worstCpu < tolerance;
                    ok &= pass;
                    String p = path.getKey();
                    r.put("decode_rows", decodeRows);
                    r.put(p + "_taken", taken);
                    r.put(p + "_vs_cpu_rel_l2_max", worstCpu);
                    r.put(p + "_vs_unfused_rel_l2_max", worstUnfused);
                    r.put(p + "_argmax_equal_cpu", argmaxEqual);
                    line.append(String.format(", %s%s vs CPU %.2e (argmax %d/%d) vs op-by-op %.2e", p, taken ? "" : " (not taken)",
                            worstCpu, argmaxEqual, decodeRows, worstUnfused));
                }
                if (!ok) failures++;
                r.put("pass", ok);
                rows.add(r);
                System.out.printf("  %-14s layers %d%s %s%n", parts[0], mc.numLayers(), line, ok ? "ok" : "FAIL");
            }
        }
        return rows;
    }

    private record Scenario(List<ForwardBatch> steps, int blocks) {}

    /**
     * Sequence A: a long prompt in two chunks (the second reads the first from the cache); sequence B: a short prompt
     * alongside A's second chunk; then decode steps of both (graphs capture on the second decode step).
     */
    private static Scenario scenario(ModelConfig mc, int longLen) {
        SplittableRandom rnd = new SplittableRandom(5);
        int[] a = rnd.ints(longLen, 0, mc.vocabSize()).toArray(), b = rnd.ints(37, 0, mc.vocabSize()).toArray();
        int split = longLen * 5 / 7;
        int blocksA = blocks(longLen + 8), blocksB = blocks(37 + 8);
        List<ForwardBatch> steps = new ArrayList<>();
        steps.add(Steps.batch(List.of(new Steps.Chunk(java.util.Arrays.copyOf(a, split), 0, 0, blocksA, true)), 16));
        steps.add(Steps.batch(List.of(new Steps.Chunk(java.util.Arrays.copyOfRange(a, split, longLen), split, 0, blocksA, true),
                new Steps.Chunk(b, 0, blocksA, blocksB, true)), 16));
        for (int d = 0; d < 4; d++)
            steps.add(Steps.batch(List.of(new Steps.Chunk(new int[]{rnd.nextInt(mc.vocabSize())}, longLen + d, 0, blocksA, true),
                    new Steps.Chunk(new int[]{rnd.nextInt(mc.vocabSize())}, 37 + d, blocksA, blocksB, true)), 16));
        return new Scenario(steps, blocksA + blocksB);
    }

    /** 16 prompts of 3 to 108 tokens prefilled in one step, then decode steps of 16, 12, 8, 5 and 3 of them. */
    private static Scenario batchScenario(ModelConfig mc) {
        SplittableRandom rnd = new SplittableRandom(9);
        int n = 16;
        int[][] prompts = new int[n][];
        int[] first = new int[n], count = new int[n];
        int blocks = 0;
        for (int i = 0; i < n; i++) {
            prompts[i] = rnd.ints(3 + 7 * i, 0, mc.vocabSize()).toArray();
            first[i] = blocks;
            count[i] = blocks(prompts[i].length + 8);
            blocks += count[i];
        }
        List<ForwardBatch> steps = new ArrayList<>();
        List<Steps.Chunk> prefill = new ArrayList<>();
        for (int i = 0; i < n; i++) prefill.add(new Steps.Chunk(prompts[i], 0, first[i], count[i], true));
        steps.add(Steps.batch(prefill, 16));
        int[] rows = {16, 12, 8, 5, 3};
        for (int d = 0; d < rows.length; d++) {
            List<Steps.Chunk> decode = new ArrayList<>();
            for (int i = 0; i < rows[d]; i++)
                decode.add(new Steps.Chunk(new int[]{rnd.nextInt(mc.vocabSize())}, prompts[i].length + d, first[i], count[i], true));
            steps.add(Steps.batch(decode, 16));
        }
        return new Scenario(steps, blocks);
    }

    private Map<String, Object> compare(ModelConfig mc, Scenario sc, List<float[]> cpu, List<float[]> gpu, String label) {
        int v = mc.vocabSize();
        List<Double> errs = new ArrayList<>();
        double worst = 0;
        for (int i = 0; i < sc.steps.size(); i++) {
            int rows = sc.steps.get(i).logitRows().length;
            for (int r = 0; r < rows; r++) {
                double e = Steps.relativeL2(gpu.get(i), r * v, cpu.get(i), r * v, v);
                errs.add(e);
                worst = Math.max(worst, e);
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("rel_l2_per_row", errs);
        r.put("rel_l2_max", worst);
        boolean ok = worst < tolerance;
        r.put("pass", ok);
        if (!ok) failures++;
        System.out.printf("  %-14s layers %d, %s: worst relative L2 %.2e over %d rows %s%n", mc.hiddenSize() + "-wide",
                mc.numLayers(), label, worst, errs.size(), ok ? "ok" : "FAIL");
        System.out.printf("      per row: %s%n", errs.stream().map(e -> String.format("%.1e", e)).toList());
        return r;
    }

    private List<float[]> run(ModelConfig mc, WeightSource w, String backend, List<ForwardBatch> steps, int blocks) {
        List<float[]> out = new ArrayList<>();
        try (ModelRunner r = new ModelRunner(mc, w, EngineConfig.forModel(null).withBackend(backend).withThreads(0), blocks + 1)) {
            for (ForwardBatch b : steps) out.add(r.forward(b));
        }
        return out;
    }

    static ModelConfig withLayers(ModelConfig c, int layers) {
        return new ModelConfig(c.architecture(), c.hiddenSize(), c.intermediateSize(), layers, c.numHeads(), c.numKvHeads(),
                c.headDim(), c.vocabSize(), c.rmsNormEps(), c.rope(), c.tieWordEmbeddings(), c.attentionBias(),
                c.maxPositionEmbeddings(), c.eosTokenIds(), c.bosTokenId(), c.torchDtype());
    }

    // ------------------------------------------------------------ helpers

    static int blocks(int tokens) { return (tokens + 15) / 16; }

    static JsonNode json(Path p) {
        try {
            return new ObjectMapper().readTree(p.toFile());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode a) {
        int[] o = new int[a.size()];
        for (int i = 0; i < o.length; i++) o[i] = a.get(i).asInt();
        return o;
    }

    static float[] floats(JsonNode a) {
        float[] o = new float[a.size()];
        for (int i = 0; i < o.length; i++) o[i] = (float) a.get(i).asDouble();
        return o;
    }
}
