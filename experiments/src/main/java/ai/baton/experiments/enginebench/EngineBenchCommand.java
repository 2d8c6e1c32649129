package ai.baton.experiments.enginebench;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.ModelRunner;
import ai.baton.engine.backend.Backend;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.backend.cuda.CudaBackend;
import ai.baton.engine.backend.cuda.DeviceSyntheticWeights;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.engine.weights.DType;
import ai.baton.engine.weights.SyntheticWeights;
import ai.baton.engine.weights.WeightSource;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
 * The engine's forward pass on the GPU with synthetic weights of real shapes, no HTTP and no scheduler: decode
 * ms/step at several batch sizes (a fixed context) with CUDA graphs on and off, each beside its floor (weight bytes
 * plus KV bytes over the copy bandwidth measured in the same run), and prefill tokens/s and TFLOP/s beside the bf16
 * GEMM rate measured in the same run. Token ids are sampled on the device, as a server would.
 */
@Command(name = "engine-bench", mixinStandardHelpOptions = true,
        description = "Benchmark decode and prefill of the engine (CUDA) on synthetic weights beside measured floors.")
public final class EngineBenchCommand implements Callable<Integer> {
    @Option(names = "--config", split = ",", required = true, description = "config.json of each shape (hub-configs)")
    List<Path> configs;
    @Option(names = "--backend", defaultValue = "cuda", description = "cuda (or cpu, to try the harness)") String backend;
    @Option(names = "--batch", split = ",", defaultValue = "1,8,32,128") List<Integer> batches;
    @Option(names = "--context", defaultValue = "512", description = "tokens already in each sequence's cache when decode is timed")
    int context;
    @Option(names = "--decode-steps", defaultValue = "32") int decodeSteps;
    @Option(names = "--prefill", split = ",", defaultValue = "512,2048,8192", description = "prompt lengths") List<Integer> prefill;
    @Option(names = "--graphs", split = ",", defaultValue = "on,off") List<String> graphModes;
    @Option(names = "--repeats", defaultValue = "3", description = "timed prefill runs (median)") int repeats;
    @Option(names = "--block-size", defaultValue = "16") int blockSize;
    @Option(names = "--tp", defaultValue = "1", description = "tensor-parallel ranks on GPUs 0..tp-1 (NCCL); floors are per rank")
    int tp;
    @Option(names = "--json", description = "write results here") Path json;
    @Option(names = "--profile", defaultValue = "true", negatable = true, description = "per-op GPU time of a decode step and a prefill")
    boolean profile;
    @Option(names = "--timeline", description = "kernel timeline of one decode step at the first batch size, graphs off and on")
    boolean timeline;
    @Spec CommandSpec spec;

    private static final int LAUNCH_CHAIN = 256;
    /** Seconds per kernel of a chain of empty dependent kernels in a graph (measured at start). */
    private double launchPerKernel;

    public static void main(String[] args) {
        System.exit(new CommandLine(new EngineBenchCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        boolean cuda = "cuda".equals(backend);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("command", "engine-bench " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
        report.put("backend", backend);
        double bandwidth = Double.NaN, gemmPeak = Double.NaN;
        launchPerKernel = Double.NaN;
        if (cuda) {
            try (CudaBackend probe = new CudaBackend(0)) {
                report.put("device", probe.deviceName());
                report.put("multiprocessors", probe.multiprocessors());
                bandwidth = probe.measureCopyBandwidth(1L << 30, 20);
                double bf16 = probe.measureGemm(8192, 8192, 8192, false, 10);
                double f32 = probe.measureGemm(8192, 8192, 8192, true, 10);
                gemmPeak = Math.max(bf16, f32);
                report.put("copy_bandwidth_GBps", bandwidth / 1e9);
                report.put("gemm_8192_bf16_out_tflops", bf16 / 1e12);
                report.put("gemm_8192_fp32_out_tflops", f32 / 1e12);
                System.out.printf("%s, %d SMs: copy bandwidth %.0f GB/s (read + write), bf16 GEMM 8192^3 %.0f TFLOP/s (bf16 out), %.0f (fp32 out)%n",
                        probe.deviceName(), probe.multiprocessors(), bandwidth / 1e9, bf16 / 1e12, f32 / 1e12);
                // Launch floor: a graph of empty dependent kernels, launched as the engine launches (PDL when on),
                // with one block and with 4 blocks per SM (the GEMVs' grids are of that size).
                int sms = probe.multiprocessors();
                double one = probe.measureLaunchFloor(LAUNCH_CHAIN, 1, 20), full = probe.measureLaunchFloor(LAUNCH_CHAIN, 4 * sms, 20);
                launchPerKernel = full;
                Map<String, Object> lf = new LinkedHashMap<>();
                lf.put("kernels_in_graph", LAUNCH_CHAIN);
                lf.put("pdl", probe.pdl());
                lf.put("us_per_kernel_1_block", one * 1e6);
                lf.put("us_per_kernel_4_blocks_per_sm", full * 1e6);
                report.put("launch_floor", lf);
                System.out.printf("launch floor (graph of %d empty dependent kernels, PDL %s): %.2f us per kernel with 1 block, %.2f with %d blocks%n",
                        LAUNCH_CHAIN, probe.pdl() ? "on" : "off", one * 1e6, full * 1e6, 4 * sms);
            }
            if (!"false".equals(System.getProperty("baton.cuda.pdl"))) {
                // the same chain without programmatic dependent launch, for comparison
                System.setProperty("baton.cuda.pdl", "false");
                try (CudaBackend plain = new CudaBackend(0)) {
                    int sms = plain.multiprocessors();
                    double one = plain.measureLaunchFloor(LAUNCH_CHAIN, 1, 20), full = plain.measureLaunchFloor(LAUNCH_CHAIN, 4 * sms, 20);
                    @SuppressWarnings("unchecked") Map<String, Object> lf = (Map<String, Object>) report.get("launch_floor");
                    lf.put("no_pdl_us_per_kernel_1_block", one * 1e6);
                    lf.put("no_pdl_us_per_kernel_4_blocks_per_sm", full * 1e6);
                    System.out.printf("launch floor without PDL: %.2f us per kernel with 1 block, %.2f with %d blocks%n", one * 1e6, full * 1e6, 4 * sms);
                } finally {
                    System.clearProperty("baton.cuda.pdl");
                }
            }
        }
        List<Object> models = new ArrayList<>();
        for (Path c : configs) models.add(benchModel(c, cuda, bandwidth, gemmPeak));
        report.put("models", models);
        if (json != null) {
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), report);
            System.out.println("wrote " + json);
        }
        return 0;
    }

    private Map<String, Object> benchModel(Path configPath, boolean cuda, double bandwidth, double gemmPeak) {
        ModelConfig mc = ModelConfig.load(configPath);
        String name = configPath.getFileName().toString().replaceFirst("\\.json$", "");
        int maxBatch = batches.stream().mapToInt(Integer::intValue).max().orElse(1);
        int perSeq = blocks(context + decodeSteps + 8);
        int maxPrefill = prefill.stream().mapToInt(Integer::intValue).max().orElse(0);
        int numBlocks = Math.max(maxBatch * perSeq, blocks(maxPrefill)) + 1;
        // Per rank with TP: its shard of the layers (whole KV heads, replicated when fewer than ranks) plus the full LM head.
        long weightBytes = tp == 1 ? weightBytesPerStep(mc)
                : (weightBytesPerStep(mc) - 2L * mc.vocabSize() * mc.hiddenSize()) / tp + 2L * mc.vocabSize() * mc.hiddenSize();
        long kvBytesPerToken = 2L * mc.numLayers() * Math.max(1, mc.numKvHeads() / tp) * mc.headDim() * 2;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", name);
        m.put("tp", tp);
        m.put("layers", mc.numLayers());
        m.put("hidden", mc.hiddenSize());
        m.put("parameters", mc.parameterCount());
        m.put("weight_bytes_per_step", weightBytes);
        m.put("kv_blocks", numBlocks);
        System.out.printf("%n== %s: %d layers, hidden %d, %.2fB parameters, %.2f GB of weights read per decode step%n",
                name, mc.numLayers(), mc.hiddenSize(), mc.parameterCount() / 1e9, weightBytes / 1e9);
        long t0 = System.nanoTime();
        try (WeightSource w = cuda ? new DeviceSyntheticWeights(mc, 42) : new SyntheticWeights(mc, DType.BF16, 42);
             ModelRunner runner = new ModelRunner(mc, w, new EngineConfig(null, null, backend, 0, tp, numBlocks, 0,
                     blockSize, maxPrefill, maxBatch, false, 0), numBlocks)) {
            Backend be = runner.backend(0);
            CudaBackend cb = be instanceof CudaBackend x ? x : null;
            for (int r = 0; cb != null && r < tp; r++) ((CudaBackend) runner.backend(r)).fillRandom(runner.kvCache(r), 3 + r);
            be.synchronize();
            m.put("load_seconds", (System.nanoTime() - t0) / 1e9);
            SplittableRandom rnd = new SplittableRandom(7);

            // Prefill first: it sizes the activation buffers once, so decode graphs are not recaptured later.
            List<Map<String, Object>> pre = new ArrayList<>();
            System.out.printf("%-8s %8s %10s %12s %10s %12s%n", "prefill", "tokens", "ms", "tokens/s", "TFLOP/s", "of GEMM peak");
            for (int n : prefill) {
                int[] prompt = rnd.ints(n, 0, mc.vocabSize()).toArray();
                ForwardBatch b = Steps.batch(List.of(new Steps.Chunk(prompt, 0, 0, blocks(n), true)), blockSize);
                // Warm-up: the JIT compiles the host path on the first model's first passes (three were not enough for a
                // 512-token prompt of the first model: its host time showed), so also at least WARM_UP_NS.
                long warmUntil = System.nanoTime() + WARM_UP_NS;
                for (int i = 0; i < 3 || System.nanoTime() < warmUntil; i++)
                    runner.forwardSample(b, new SamplingParams[]{null}, new long[]{1});
                double[] t = new double[repeats];
                for (int i = 0; i < repeats; i++) {
                    long s = System.nanoTime();
                    runner.forwardSample(b, new SamplingParams[]{null}, new long[]{1});
                    t[i] = (System.nanoTime() - s) / 1e9;
                }
                Arrays.sort(t);
                double sec = t[repeats / 2];
                double flops = prefillFlops(mc, n);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("tokens", n);
                r.put("ms", sec * 1e3);
                r.put("tokens_per_s", n / sec);
                r.put("flops", flops);
                r.put("tflops", flops / sec / 1e12);
                r.put("fraction_of_gemm_peak", flops / sec / gemmPeak);
                pre.add(r);
                System.out.printf("%-8s %8d %10.2f %12.0f %10.1f %11.0f%%%n", "", n, sec * 1e3, n / sec, flops / sec / 1e12,
                        100 * flops / sec / gemmPeak);
            }
            m.put("prefill", pre);

            List<Map<String, Object>> dec = new ArrayList<>();
            System.out.printf("%-8s %6s %7s %10s %12s %10s %8s %8s %12s%n", "decode", "batch", "graphs", "ms/step", "tokens/s",
                    "floor ms", "ratio", "kernels", "launch fl ms");
            for (int bsz : batches) {
                for (String mode : graphModes) {
                    boolean graphs = "on".equals(mode);
                    for (int r = 0; cb != null && r < tp; r++) ((CudaBackend) runner.backend(r)).setGraphsEnabled(graphs);
                    if (cb == null && graphs) continue;
                    double ms = decodeMs(runner, mc, bsz, perSeq, rnd);
                    double floorMs = (weightBytes + (double) bsz * context * kvBytesPerToken) / bandwidth * 1e3;
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("batch", bsz);
                    r.put("context", context);
                    r.put("graphs", graphs);
                    r.put("ms_per_step", ms);
                    r.put("tokens_per_s", bsz * 1e3 / ms);
                    r.put("floor_ms", floorMs);
                    r.put("ratio_to_floor", ms / floorMs);
                    // Kernels of one step (nodes of its graph) times the launch floor per kernel: the latency floor of
                    // the chain, beside the bandwidth floor; whichever is larger binds.
                    int kernels = graphs && cb != null ? cb.graphNodes(bsz) : 0;
                    double launchMs = kernels * launchPerKernel * 1e3;
                    if (kernels > 0) {
                        r.put("kernels_per_step", kernels);
                        r.put("launch_floor_ms", launchMs);
                        r.put("ratio_to_max_floor", ms / Math.max(floorMs, launchMs));
                    }
                    dec.add(r);
                    System.out.printf("%-8s %6d %7s %10.3f %12.0f %10.3f %8.2f %8s %12s%n", "", bsz, mode, ms, bsz * 1e3 / ms, floorMs,
                            ms / floorMs, kernels > 0 ? kernels : "-", kernels > 0 ? String.format("%.3f", launchMs) : "-");
                }
            }
            if (cb != null && profile && tp == 1) m.put("profile", profile(runner, cb, mc, perSeq, rnd));
            if (cb != null && timeline && tp == 1) m.put("timeline", timeline(runner, cb, mc, batches.getFirst(), perSeq, rnd));
            if (cb != null) {
                cb.setGraphsEnabled(true);
                m.put("graphs", cb.graphStats());
                m.put("device_bytes", cb.deviceBytesAllocated());
            }
            m.put("decode", dec);
        }
        return m;
    }

    /** GPU time per op (events around each op, eager): a decode step at the smallest and largest batch, and a prefill. */
    private Map<String, Object> profile(ModelRunner runner, CudaBackend cb, ModelConfig mc, int perSeq, SplittableRandom rnd) {
        Map<String, Object> out = new LinkedHashMap<>();
        cb.setGraphsEnabled(false);
        int steps = 4;
        List<Integer> sizes = List.of(batches.getFirst(), batches.getLast());
        for (int bsz : sizes) {
            cb.startProfile();
            int saved = decodeSteps;
            decodeSteps = steps;
            decodeMs(runner, mc, bsz, perSeq, rnd);
            decodeSteps = saved;
            out.put("decode_batch_" + bsz, printProfile("decode batch " + bsz + " (per step)", cb.stopProfile(), steps + 8));
        }
        int n = prefill.stream().mapToInt(Integer::intValue).max().orElse(0);
        if (n > 0) {
            int[] prompt = rnd.ints(n, 0, mc.vocabSize()).toArray();
            ForwardBatch b = Steps.batch(List.of(new Steps.Chunk(prompt, 0, 0, blocks(n), true)), blockSize);
            cb.startProfile();
            runner.forwardSample(b, new SamplingParams[]{null}, new long[]{1});
            out.put("prefill_" + n, printProfile("prefill " + n + " tokens", cb.stopProfile(), 1));
        }
        return out;
    }

    /**
     * One decode step's chain of kernels, eager (which names them) and as a graph replay: for each kernel, the time from
     * its wait on the previous kernel returning to the next kernel's returning ("chain"), and how long it had been
     * waiting ("early": started that long before its predecessor finished).
     */
    private Map<String, Object> timeline(ModelRunner runner, CudaBackend cb, ModelConfig mc, int bsz, int perSeq, SplittableRandom rnd) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<String> names = List.of();
        for (boolean graphs : new boolean[]{false, true}) {
            cb.setGraphsEnabled(graphs);
            int saved = decodeSteps;
            decodeSteps = 2;
            decodeMs(runner, mc, bsz, perSeq, rnd);  // warm-up and capture
            decodeSteps = saved;
            cb.startTimeline();
            CudaBackend.Timeline t;
            try {
                decodeStep(runner, mc, rnd.ints(bsz, 0, mc.vocabSize()).toArray(), 8, perSeq);
            } finally {
                t = cb.stopTimeline();  // frees the buffer and turns recording off on every path
            }
            if (!graphs) names = t.names();
            long[][] e = t.entries();
            if (e.length == 0) continue;
            Map<String, double[]> byName = new LinkedHashMap<>();  // chain us, early us, count
            List<Map<String, Object>> kernels = new ArrayList<>();
            for (int i = 0; i < e.length; i++) {
                String name = i < names.size() && names.size() == e.length ? names.get(i) : "#" + i;
                double chain = i + 1 < e.length ? (e[i + 1][1] - e[i][1]) / 1e3 : 0, early = (e[i][1] - e[i][0]) / 1e3;
                double[] a = byName.computeIfAbsent(name, k -> new double[3]);
                a[0] += chain;
                a[1] += early;
                a[2]++;
                kernels.add(Map.of("kernel", name, "chain_us", chain, "early_us", early));
            }
            double span = (e[e.length - 1][1] - e[0][1]) / 1e3;
            System.out.printf("  timeline, decode batch %d, graphs %s: %d kernels, %.1f us from the first kernel's wait to the last's%s%n",
                    bsz, graphs ? "on" : "off", e.length, span, names.size() == e.length ? "" : " (names: " + names.size() + " launches)");
            Map<String, Object> sum = new LinkedHashMap<>();
            byName.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue()[0], x.getValue()[0])).forEach(x -> {
                double[] a = x.getValue();
                System.out.printf("    %-28s %4d x  chain %7.2f us each %8.1f us total  waited %6.2f us each%n",
                        x.getKey(), (long) a[2], a[0] / a[2], a[0], a[1] / a[2]);
                sum.put(x.getKey(), Map.of("count", a[2], "chain_us_each", a[0] / a[2], "chain_us_total", a[0], "waited_us_each", a[1] / a[2]));
            });
            out.put(graphs ? "graphs_on" : "graphs_off", Map.of("span_us", span, "by_kernel", sum, "kernels", kernels));
        }
        return out;
    }

    private static Map<String, Object> printProfile(String title, Map<String, double[]> t, int runs) {
        double total = t.values().stream().mapToDouble(v -> v[0]).sum() / runs;
        System.out.printf("  profile, %s: %.3f ms of GPU time%n", title, total);
        Map<String, Object> out = new LinkedHashMap<>();
        t.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0])).forEach(e -> {
            double ms = e.getValue()[0] / runs;
            System.out.printf("    %-36s %9.3f ms %5.1f%%  (%d calls)%n", e.getKey(), ms, 100 * ms / total, (long) e.getValue()[1] / runs);
            out.put(e.getKey(), Map.of("ms", ms, "calls", e.getValue()[1] / runs));
        });
        return out;
    }

    /** Least warm-up time before a timed prefill or decode measurement. */
    private static final long WARM_UP_NS = 300_000_000L;

    /** Mean wall time of one decode step (forward + device sampling + ids to host) after warm-up (graph capture). */
    private double decodeMs(ModelRunner runner, ModelConfig mc, int bsz, int perSeq, SplittableRandom rnd) {
        int[] tokens = rnd.ints(bsz, 0, mc.vocabSize()).toArray();
        // Warm-up: eager pass and capture of the bucket's graph, then replays until the JIT has settled (at least 8
        // steps and WARM_UP_NS), cycling over the first 8 positions so the timed steps keep their context.
        int warm = 8;
        long warmUntil = System.nanoTime() + WARM_UP_NS;
        for (int s = 0; s < warm || System.nanoTime() < warmUntil; s++) tokens = decodeStep(runner, mc, tokens, s % warm, perSeq);
        long start = System.nanoTime();
        for (int s = warm; s < warm + decodeSteps; s++) tokens = decodeStep(runner, mc, tokens, s, perSeq);
        return (System.nanoTime() - start) / 1e6 / decodeSteps;
    }

    /** One decode step of tokens.length sequences at context + s; returns the sampled tokens. */
    private int[] decodeStep(ModelRunner runner, ModelConfig mc, int[] tokens, int s, int perSeq) {
        int bsz = tokens.length;
        List<Steps.Chunk> chunks = new ArrayList<>(bsz);
        for (int i = 0; i < bsz; i++)
            chunks.add(new Steps.Chunk(new int[]{tokens[i]}, context + s, i * perSeq, perSeq, true));
        return runner.forwardSample(Steps.batch(chunks, blockSize), new SamplingParams[bsz], new long[bsz]);
    }

    private int blocks(int tokens) { return (tokens + blockSize - 1) / blockSize; }

    /** Bytes a decode step must read for weights: every matrix and norm once, the LM head, not the embedding table. */
    static long weightBytesPerStep(ModelConfig c) {
        long h = c.hiddenSize(), q = c.qSize(), kv = c.kvSize(), ff = c.intermediateSize();
        long perLayer = h * (q + 2 * kv) + q * h + 3 * h * ff;
        return 2 * (c.numLayers() * perLayer + (long) c.vocabSize() * h);
    }

    /** Matrix FLOPs of the prompt's tokens (LM head for the last token only) plus causal attention. */
    static double prefillFlops(ModelConfig c, int n) {
        double h = c.hiddenSize(), q = c.qSize(), kv = c.kvSize(), ff = c.intermediateSize();
        double perToken = c.numLayers() * (h * (q + 2 * kv) + q * h + 3 * h * ff);
        double attention = 4.0 * c.numLayers() * c.numHeads() * c.headDim() * ((double) n * (n + 1) / 2);
        return 2 * n * perToken + 2 * h * c.vocabSize() + attention;
    }
}
