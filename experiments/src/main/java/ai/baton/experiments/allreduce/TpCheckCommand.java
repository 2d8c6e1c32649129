package ai.baton.experiments.allreduce;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.EngineException;
import ai.baton.engine.ModelRunner;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.backend.cuda.CudaBackend;
import ai.baton.engine.backend.cuda.DeviceSyntheticWeights;
import ai.baton.engine.model.ModelConfig;
import ai.baton.experiments.enginebench.Steps;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Tensor parallelism on GPUs against one GPU, on synthetic weights of a real shape (llama-3.1-8b): the same steps,
 * chunked prefill of several prompts mixed with decode, then batched decode steps (eager, captured, replayed as CUDA
 * graphs), at TP 1 and at TP n with graphs on and off; every logit row compared by relative L2 and argmax. Decode
 * tokens are TP 1's greedy choices at every run, so the runs see identical inputs. Then a rank is made to fail in the
 * middle of a step: the step must fail (not hang), and once NCCL is re-created the step must give TP 1's logits again.
 */
@Command(name = "tp-check", mixinStandardHelpOptions = true,
        description = "Check CUDA tensor parallelism (NCCL) against TP 1 on synthetic weights of a real shape.")
public final class TpCheckCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "config.json of the shape (fixtures/hub-configs)") Path config;
    @Option(names = "--tp", defaultValue = "2", description = "ranks to compare with TP 1 (default: ${DEFAULT-VALUE})") int tp;
    @Option(names = "--gpus", description = "devices of the TP ranks (default: 0..tp-1); TP 1 runs on the first") String gpus;
    @Option(names = "--prompts", split = ",", defaultValue = "512,300,77,16", description = "prompt lengths (default: ${DEFAULT-VALUE})")
    List<Integer> prompts;
    @Option(names = "--decode-steps", defaultValue = "12", description = "decode steps after the prefill (default: ${DEFAULT-VALUE})") int decodeSteps;
    @Option(names = "--block-size", defaultValue = "16") int blockSize;
    @Option(names = "--tolerance", defaultValue = "2e-2", description = "largest relative L2 of a logit row (default: ${DEFAULT-VALUE})")
    double tolerance;
    @Option(names = "--json", description = "write the report here") Path json;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TpCheckCommand()).execute(args));
    }

    /** One sequence's part of a step: new tokens from position start, and whether its last token's logits are wanted. */
    private record Chunk(int seq, int start, int[] tokens, boolean logits) {}

    /** Logits of every step of a run, rows in the order of the step's chunks that want logits. */
    private record Run(List<float[]> steps, List<List<Chunk>> plan) {}

    @Override
    public Integer call() throws Exception {
        ModelConfig mc = ModelConfig.load(config);
        List<Integer> devices = EngineConfig.parseGpus(gpus);
        EngineConfig tpConfig = engineConfig(tp, devices);
        int[] tpDevices = tpConfig.devices();
        if (tp < 2) throw new IllegalArgumentException("--tp must be >= 2 (it is compared with TP 1)");
        int numSeqs = prompts.size();
        int perSeq = (prompts.stream().mapToInt(Integer::intValue).max().orElse(1) + decodeSteps + blockSize + 2) / blockSize + 1;
        int numBlocks = numSeqs * perSeq + 1;
        SplittableRandom rnd = new SplittableRandom(11);
        List<int[]> promptTokens = new ArrayList<>();
        for (int n : prompts) promptTokens.add(rnd.ints(n, 0, mc.vocabSize()).toArray());

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("config", config.toString());
        report.put("tp", tp);
        report.put("gpus", tpDevices);
        report.put("prompts", prompts);
        report.put("decode_steps", decodeSteps);
        report.put("tolerance", tolerance);
        System.out.printf("tp-check: %s, %d layers, hidden %d; TP 1 on GPU %d vs TP %d on GPUs %s; prompts %s, %d decode steps%n",
                config.getFileName(), mc.numLayers(), mc.hiddenSize(), tpDevices[0], tp, devices.isEmpty() ? "0.." + (tp - 1) : devices,
                prompts, decodeSteps);

        // TP 1 first: it picks every decode token (greedy), which the TP runs then replay.
        long t0 = System.nanoTime();
        Run reference = run(mc, engineConfig(1, List.of(tpDevices[0])), numBlocks, perSeq, promptTokens, null, true, null);
        report.put("tp1_seconds", (System.nanoTime() - t0) / 1e9);
        int failures = 0;
        for (boolean graphs : new boolean[]{true, false}) {
            String name = "tp" + tp + (graphs ? "_graphs_on" : "_graphs_off");
            System.out.printf("%n== TP %d, decode graphs %s, vs TP 1%n", tp, graphs ? "on" : "off");
            Map<String, Object> section = new LinkedHashMap<>();
            Map<String, Object> failure = graphs ? new LinkedHashMap<>() : null;
            try {
                Run r = run(mc, tpConfig, numBlocks, perSeq, promptTokens, reference, graphs, failure);
                boolean ok = compare(reference, r, mc.vocabSize(), section);
                if (failure != null) {
                    section.put("rank_failure", failure);
                    ok &= Boolean.TRUE.equals(failure.get("ok"));
                }
                section.put("ok", ok);
                if (!ok) failures++;
            } catch (RuntimeException e) {
                failures++;
                section.put("ok", false);
                section.put("error", e.toString());
                System.out.println("  ERROR " + e);
            }
            report.put(name, section);
        }
        report.put("failures", failures);
        if (json != null) {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
            System.out.println("wrote " + json);
        }
        System.out.println(failures == 0 ? "tp-check: all checks passed" : "tp-check: " + failures + " check(s) FAILED");
        return failures == 0 ? 0 : 1;
    }

    private EngineConfig engineConfig(int ranks, List<Integer> devices) {
        return new EngineConfig(null, null, "cuda", 0, ranks, 0, 0, blockSize, 1 << 16, 256, false, 0, devices);
    }

    /**
     * Runs the plan: step 0 takes the first half of the longer prompts and the whole of the others, step 1 the rest
     * (mixed with the first decode tokens of the finished ones), then decode steps. Decode tokens come from
     * {@code reference} when given, else from this run's argmax. With {@code failure} set, a rank is then made to fail.
     */
    private Run run(ModelConfig mc, EngineConfig ec, int numBlocks, int perSeq, List<int[]> prompts, Run reference,
                    boolean graphs, Map<String, Object> failure) {
        int vocab = mc.vocabSize(), n = prompts.size();
        List<float[]> steps = new ArrayList<>();
        List<List<Chunk>> plan = new ArrayList<>();
        int[] pos = new int[n], next = new int[n];
        boolean[] prefilled = new boolean[n];
        long t0 = System.nanoTime();
        try (DeviceSyntheticWeights w = new DeviceSyntheticWeights(mc, 42); ModelRunner runner = new ModelRunner(mc, w, ec, numBlocks)) {
            for (int r = 0; r < runner.tensorParallel(); r++) ((CudaBackend) runner.backend(r)).setGraphsEnabled(graphs);
            System.out.printf("  loaded TP %d in %.1f s%n", runner.tensorParallel(), (System.nanoTime() - t0) / 1e9);
            int total = 2 + decodeSteps;
            for (int s = 0; s < total; s++) {
                List<Chunk> chunks = new ArrayList<>();
                for (int q = 0; q < n; q++) {
                    int[] p = prompts.get(q);
                    if (!prefilled[q]) {
                        int end = s == 0 && p.length >= 128 ? p.length / 2 : p.length;
                        chunks.add(new Chunk(q, pos[q], java.util.Arrays.copyOfRange(p, pos[q], end), end == p.length));
                        pos[q] = end;
                        prefilled[q] = end == p.length;
                    } else {
                        chunks.add(new Chunk(q, pos[q], new int[]{next[q]}, true));
                        pos[q]++;
                    }
                }
                float[] logits = runner.forward(batch(chunks, perSeq));
                steps.add(logits);
                plan.add(chunks);
                int row = 0;
                for (Chunk c : chunks) {
                    if (!c.logits) continue;
                    next[c.seq] = reference != null ? referenceToken(reference, s, c.seq, vocab)
                            : Steps.argmax(logits, row * vocab, vocab);
                    row++;
                }
            }
            if (failure != null) failThenRecover(runner, reference, plan.getLast(), perSeq, vocab, failure);
        }
        return new Run(steps, plan);
    }

    /** The token TP 1 chose for sequence seq after step s. */
    private static int referenceToken(Run ref, int step, int seq, int vocab) {
        int row = 0;
        for (Chunk c : ref.plan.get(step)) {
            if (!c.logits) continue;
            if (c.seq == seq) return Steps.argmax(ref.steps.get(step), row * vocab, vocab);
            row++;
        }
        throw new IllegalStateException("sequence " + seq + " has no logits at step " + step);
    }

    /**
     * Repeats the last decode step with rank 1 throwing after layer 0 (its peers then wait in an all-reduce): the
     * step must fail within seconds; repeated normally, it must give TP 1's logits (communicators re-created, graphs
     * captured again).
     */
    private void failThenRecover(ModelRunner runner, Run reference, List<Chunk> last, int perSeq, int vocab, Map<String, Object> out) {
        System.out.println("  rank 1 fails inside the last decode step:");
        ForwardBatch b = batch(last, perSeq);
        long t0 = System.nanoTime();
        String error = null;
        try {
            runner.forward(b, (rank, layer) -> {
                if (rank == 1 && layer == 0) throw new IllegalStateException("injected failure");
            });
        } catch (EngineException e) {
            error = e.getMessage();
        }
        double failSeconds = (System.nanoTime() - t0) / 1e9;
        out.put("failed_step_error", error);
        out.put("failed_step_seconds", failSeconds);
        System.out.printf("    the step failed after %.2f s: %s%n", failSeconds, error);
        t0 = System.nanoTime();
        float[] again = runner.forward(b);
        double againSeconds = (System.nanoTime() - t0) / 1e9;
        float[] expected = reference.steps.getLast();
        double worst = 0;
        for (int row = 0; row < again.length / vocab; row++) worst = Math.max(worst, Steps.relativeL2(again, row * vocab, expected, row * vocab, vocab));
        boolean ok = error != null && error.contains("injected failure") && worst <= tolerance;
        out.put("next_step_seconds", againSeconds);
        out.put("next_step_max_rel_l2", worst);
        out.put("ok", ok);
        System.out.printf("    the step again: %.2f s, max rel. L2 vs TP 1 %.2e  %s%n", againSeconds, worst, ok ? "ok" : "FAILED");
    }

    private boolean compare(Run ref, Run run, int vocab, Map<String, Object> out) {
        System.out.printf("  %4s %-8s %5s %12s %12s%n", "step", "kind", "rows", "max rel L2", "argmax same");
        List<Map<String, Object>> steps = new ArrayList<>();
        double worst = 0;
        int same = 0, total = 0;
        for (int s = 0; s < ref.steps.size(); s++) {
            float[] a = run.steps.get(s), b = ref.steps.get(s);
            int rows = rows(ref.plan.get(s));
            double stepWorst = 0;
            int stepSame = 0;
            for (int r = 0; r < rows; r++) {
                stepWorst = Math.max(stepWorst, Steps.relativeL2(a, r * vocab, b, r * vocab, vocab));
                if (Steps.argmax(a, r * vocab, vocab) == Steps.argmax(b, r * vocab, vocab)) stepSame++;
            }
            String kind = s == 0 ? "prefill" : s == 1 ? "mixed" : "decode";
            System.out.printf("  %4d %-8s %5d %12.2e %9d/%d%n", s, kind, rows, stepWorst, stepSame, rows);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", s);
            m.put("kind", kind);
            m.put("rows", rows);
            m.put("max_rel_l2", stepWorst);
            m.put("argmax_same", stepSame);
            steps.add(m);
            worst = Math.max(worst, stepWorst);
            same += stepSame;
            total += rows;
        }
        boolean ok = worst <= tolerance;
        out.put("steps", steps);
        out.put("max_rel_l2", worst);
        out.put("argmax_same", same + "/" + total);
        System.out.printf("  max rel. L2 %.2e (tolerance %.0e), argmax same %d/%d: %s%n", worst, tolerance, same, total, ok ? "ok" : "FAILED");
        return ok;
    }

    private static int rows(List<Chunk> chunks) {
        return (int) chunks.stream().filter(Chunk::logits).count();
    }

    /** Sequence q owns blocks [q*perSeq, (q+1)*perSeq). */
    private ForwardBatch batch(List<Chunk> chunks, int perSeq) {
        List<Steps.Chunk> steps = new ArrayList<>(chunks.size());
        for (Chunk c : chunks) steps.add(new Steps.Chunk(c.tokens, c.start, c.seq * perSeq, perSeq, c.logits));
        return Steps.batch(steps, blockSize);
    }
}
