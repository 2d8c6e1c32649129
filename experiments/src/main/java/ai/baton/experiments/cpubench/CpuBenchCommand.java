package ai.baton.experiments.cpubench;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.LlmEngine;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.sampling.SamplingParams;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * CPU engine benchmark on synthetic weights of a real shape: decode tokens/s at several batch sizes and prefill
 * tokens/s, each beside its floor measured on this machine in the same run (decode: bytes read per step over the
 * measured read bandwidth).
 */
@Command(name = "cpu-bench", mixinStandardHelpOptions = true,
        description = "Benchmark the CPU engine on synthetic weights (decode and prefill) beside the memory-bandwidth floor.")
public final class CpuBenchCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "config.json of the shape, e.g. ../shared/fixtures/hub-configs/qwen3-0.6b.json")
    Path config;
    @Option(names = "--batch", split = ",", defaultValue = "1,16") List<Integer> batches;
    @Option(names = "--context", defaultValue = "128", description = "prompt tokens per sequence before decode is timed") int context;
    @Option(names = "--decode-steps", defaultValue = "8") int decodeSteps;
    @Option(names = "--warmup-steps", defaultValue = "8", description = "untimed decode steps first, so the JIT has compiled the step's loops")
    int warmupSteps;
    @Option(names = "--prefill-tokens", defaultValue = "256") int prefillTokens;
    @Option(names = "--threads", defaultValue = "0") int threads;
    @Option(names = "--json", description = "write results to this file") Path json;

    @Override
    public Integer call() throws Exception {
        int nThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        ModelConfig mc = ModelConfig.load(config);
        System.out.printf("shape %s: %d layers, hidden %d, vocab %d, %.2fB parameters; %d threads%n", config.getFileName(),
                mc.numLayers(), mc.hiddenSize(), mc.vocabSize(), mc.parameterCount() / 1e9, nThreads);
        double bw = MemoryBandwidth.measure(2L << 30, nThreads, 5);
        System.out.printf("measured read bandwidth: %.1f GB/s%n", bw / 1e9);

        int maxBatch = batches.stream().mapToInt(Integer::intValue).max().orElse(1);
        EngineConfig ec = EngineConfig.forModel(null).withSynthetic(config).withThreads(nThreads)
                .withKvBlocks((maxBatch * (context + warmupSteps + decodeSteps + 4) + prefillTokens) / 16 + 64)
                .withMaxBatchTokens(Math.max(prefillTokens, context * maxBatch)).withMaxSequences(Math.max(64, maxBatch))
                .withPrefixCaching(false);
        long weightBytes = weightBytesPerStep(mc);
        List<Map<String, Object>> rows = new ArrayList<>();
        try (LlmEngine engine = LlmEngine.open(ec)) {
            Random rnd = new Random(1);
            System.out.printf("%n%-8s %6s %12s %12s %12s %8s%n", "phase", "batch", "ms/step", "tokens/s", "floor ms", "ratio");
            for (int b : batches) {
                AtomicInteger firstTokens = new AtomicInteger();
                for (int i = 0; i < b; i++) {
                    int[] prompt = rnd.ints(context, 0, mc.vocabSize()).toArray();
                    int[] seen = {0};
                    engine.submit(null, prompt, SamplingParams.greedy(warmupSteps + decodeSteps + 3).withIgnoreEos(true), o -> {
                        if (seen[0]++ == 0) firstTokens.incrementAndGet();
                    });
                }
                while (firstTokens.get() < b) engine.step(); // prefill, untimed
                for (int s = 0; s < Math.max(1, warmupSteps); s++) engine.step();
                long t0 = System.nanoTime();
                for (int s = 0; s < decodeSteps; s++) engine.step();
                double ms = (System.nanoTime() - t0) / 1e6 / decodeSteps;
                engine.runUntilIdle();
                long kvBytes = (long) b * (context + warmupSteps + decodeSteps / 2) * 2L * mc.numLayers() * mc.kvSize() * 4;
                double floorMs = (weightBytes + kvBytes) / bw * 1e3;
                rows.add(row("decode", b, ms, b * 1000.0 / ms, floorMs));
            }
            int[] prompt = rnd.ints(prefillTokens, 0, mc.vocabSize()).toArray();
            engine.submit(null, prompt, SamplingParams.greedy(1).withIgnoreEos(true), o -> {});
            long t0 = System.nanoTime();
            engine.runUntilIdle();
            double ms = (System.nanoTime() - t0) / 1e6;
            double flops = 2.0 * mc.parameterCount() * prefillTokens;
            Map<String, Object> pre = row("prefill", prefillTokens, ms, prefillTokens * 1000.0 / ms, weightBytes / bw * 1e3);
            pre.put("gflops", flops / (ms / 1e3) / 1e9);
            rows.add(pre);
        }
        for (Map<String, Object> r : rows)
            System.out.printf("%-8s %6d %12.1f %12.1f %12.1f %8.2f%n", r.get("phase"), r.get("batch"), r.get("ms_per_step"),
                    r.get("tokens_per_s"), r.get("floor_ms"), r.get("ratio_to_floor"));
        System.out.println("(decode floor = weight bytes + KV bytes read per step / measured read bandwidth; prefill row's floor is the same weight read, prefill is compute-bound)");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("shape", config.getFileName().toString());
        out.put("threads", nThreads);
        out.put("read_bandwidth_gbps", bw / 1e9);
        out.put("weight_bytes_per_step", weightBytes);
        out.put("results", rows);
        if (json != null) {
            if (json.getParent() != null) Files.createDirectories(json.getParent());
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), out);
            System.out.println("wrote " + json);
        }
        return 0;
    }

    private static Map<String, Object> row(String phase, int batch, double ms, double tps, double floorMs) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("phase", phase);
        r.put("batch", batch);
        r.put("ms_per_step", ms);
        r.put("tokens_per_s", tps);
        r.put("floor_ms", floorMs);
        r.put("ratio_to_floor", ms / floorMs);
        return r;
    }

    /** Bytes of weights one decode step reads: every linear layer and the LM head (embedding rows are negligible). */
    public static long weightBytesPerStep(ModelConfig c) {
        int bytes = "float32".equals(c.torchDtype()) ? 4 : 2;
        long perLayer = (long) c.hiddenSize() * (c.qSize() + 2L * c.kvSize()) + (long) c.qSize() * c.hiddenSize()
                + 3L * c.hiddenSize() * c.intermediateSize();
        return (c.numLayers() * perLayer + (long) c.vocabSize() * c.hiddenSize()) * bytes;
    }
}
