package ai.baton.experiments.offloadbench;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.EngineException;
import ai.baton.engine.LlmEngine;
import ai.baton.engine.RequestOutput;
import ai.baton.engine.backend.HostKvMemory;
import ai.baton.engine.backend.cuda.CudaBackend;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.sampling.SamplingParams;
import ai.baton.experiments.cpubench.MemoryBandwidth;
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
 * Time to first token of a prompt whose KV is (a) not cached, (b) in the KV cache's prefix cache, (c) evicted from
 * it into the host offload tier ({@code --kv-offload-mib}) and copied back. Beside (c): the bytes copied back, the
 * bytes the same step saved to the tier (the blocks it displaced from the pool), and their floor: those bytes over the
 * host-to-device and device-to-host bandwidths measured in the same run (PCIe on a GPU; on the CPU, memory read
 * bandwidth, an optimistic floor for copies that also write). Each prompt is fresh random tokens; the pool holds one prompt, so two other prompts of the same length evict
 * all of it into the tier. The token a tier hit samples must equal the prefix-cache hit's (the same kernels over the
 * same cached prefix): the bytes that came back are the bytes that were computed; any difference fails the run.
 */
@Command(name = "offload-bench", mixinStandardHelpOptions = true,
        description = "Time to first token: cold prefill vs prefix cache hit vs host offload tier hit.")
public final class OffloadBenchCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Hugging Face model directory") Path model;
    @Option(names = "--config", description = "instead of --model: a config.json to fill with synthetic weights") Path config;
    @Option(names = "--backend", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE})") String backend;
    @Option(names = "--prompt-len", split = ",", defaultValue = "1024,4096", description = "prompt lengths in tokens (default: ${DEFAULT-VALUE})")
    List<Integer> promptLens;
    @Option(names = "--kv-offload-mib", defaultValue = "8192", description = "host tier size (default: ${DEFAULT-VALUE})") long offloadMib;
    @Option(names = "--rounds", defaultValue = "3", description = "measurements per prompt length; medians are reported (default: ${DEFAULT-VALUE})") int rounds;
    @Option(names = "--threads", defaultValue = "0") int threads;
    @Option(names = "--tp", defaultValue = "1", description = "tensor-parallel ranks (each keeps its share of the tier)") int tp;
    @Option(names = "--json", description = "write results to this file") Path json;

    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new OffloadBenchCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if ((model == null) == (config == null)) throw new IllegalArgumentException("give exactly one of --model and --config");
        if (rounds < 1) throw new IllegalArgumentException("--rounds must be >= 1");
        ModelConfig mc = ModelConfig.load(model != null ? model.resolve("config.json") : config);
        SplittableRandom rnd = new SplittableRandom(3);
        List<Map<String, Object>> rows = new ArrayList<>();
        int mismatches = 0;
        double[] bandwidth = null;
        System.out.printf("%8s %10s %12s %12s %12s %9s %9s %14s %9s%n", "prompt", "cold ms", "pool hit ms", "tier hit ms",
                "tier tokens", "MiB in", "MiB out", "copy floor ms", "tier/cold");
        for (int len : promptLens) {
            int blocks = (len + 1 + 15) / 16;
            EngineConfig ec = (model != null ? EngineConfig.forModel(model) : EngineConfig.forModel(null).withSynthetic(config))
                    .withBackend(backend).withThreads(threads).withKvBlocks(blocks).withMaxBatchTokens(Math.min(len, 8192))
                    .withKvOffloadBytes(offloadMib << 20).withTensorParallel(tp);
            try (LlmEngine engine = LlmEngine.open(ec)) {
                if (bandwidth == null) bandwidth = hostCopyBandwidths(engine);
                long slotBytes = HostKvMemory.slotBytes(engine.runner().kvLayout()) * engine.runner().tensorParallel();
                ttft(engine, prompt(rnd, len, mc), 0);  // warm-up: JIT, kernels, workspaces
                double[] cold = new double[rounds], pool = new double[rounds], tier = new double[rounds];
                long tierTokens = 0, savedBlocks = 0;
                int same = 0;
                for (int r = 0; r < rounds; r++) {
                    int[] p = prompt(rnd, len, mc);
                    cold[r] = ttft(engine, p, 1);
                    pool[r] = ttft(engine, p, 2);
                    int poolToken = lastToken;
                    // Two other prompts of the same length evict every block of p into the tier.
                    ttft(engine, prompt(rnd, len, mc), 3);
                    ttft(engine, prompt(rnd, len, mc), 3);
                    long before = engine.stats().offloadHitTokens(), savedBefore = engine.stats().offloadSavedBlocks();
                    tier[r] = ttft(engine, p, 4);
                    tierTokens = engine.stats().offloadHitTokens() - before;
                    savedBlocks = engine.stats().offloadSavedBlocks() - savedBefore;
                    if (lastToken == poolToken) same++;
                    if (tierTokens == 0) throw new EngineException("the tier served nothing: is --kv-offload-mib large enough for one prompt?");
                }
                double bytes = (double) tierTokens / 16 * slotBytes, savedBytes = (double) savedBlocks * slotBytes;
                double floorMs = (bytes / bandwidth[0] + savedBytes / bandwidth[1]) * 1e3;
                double c = median(cold), h = median(pool), t = median(tier);
                System.out.printf("%8d %10.2f %12.2f %12.2f %12d %9.1f %9.1f %14.2f %9.2f   token = pool hit's: %d/%d%n", len, c,
                        h, t, tierTokens, bytes / (1 << 20), savedBytes / (1 << 20), floorMs, t / c, same, rounds);
                if (same != rounds) mismatches += rounds - same;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("prompt_len", len);
                row.put("cold_ms", c);
                row.put("pool_hit_ms", h);
                row.put("tier_hit_ms", t);
                row.put("tier_hit_tokens", tierTokens);
                row.put("copied_back_bytes", (long) bytes);
                row.put("saved_bytes_same_step", (long) savedBytes);
                row.put("copy_floor_ms", floorMs);
                row.put("tier_token_equals_pool_hit", same + "/" + rounds);
                row.put("cold_ms_all", cold);
                row.put("pool_hit_ms_all", pool);
                row.put("tier_hit_ms_all", tier);
                rows.add(row);
            }
        }
        System.out.printf("host-to-device %.1f GB/s, device-to-host %.1f GB/s (%s)%n", bandwidth[0] / 1e9, bandwidth[1] / 1e9,
                "cuda".equals(backend) ? "pinned, PCIe" : "memory read bandwidth, both ways");
        if (json != null) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", model != null ? model.toString() : config.toString());
            out.put("backend", backend);
            out.put("tp", tp);
            out.put("token_mismatches", mismatches);
            out.put("host_to_device_bytes_per_s", bandwidth[0]);
            out.put("device_to_host_bytes_per_s", bandwidth[1]);
            out.put("rows", rows);
            Path parent = json.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), out);
            System.out.println("wrote " + json);
        }
        if (mismatches > 0) System.out.println("offload-bench: " + mismatches + " tier hit(s) sampled another token than the pool hit: FAILED");
        return mismatches == 0 ? 0 : 1;
    }

    private static int[] prompt(SplittableRandom rnd, int len, ModelConfig mc) {
        return rnd.ints(len, 0, Math.min(mc.vocabSize(), 100_000)).toArray();
    }

    /** The token the last {@link #ttft} run sampled. */
    private int lastToken;

    /** Milliseconds from submitting a one-token request to its end: its time to first token. */
    private double ttft(LlmEngine engine, int[] prompt, int tag) {
        RequestOutput[] last = new RequestOutput[1];
        int[] token = {-1};
        long t0 = System.nanoTime();
        engine.submit("offload-" + tag + "-" + t0, prompt, SamplingParams.greedy(1).withIgnoreEos(true), o -> {
            last[0] = o;
            if (o.newToken() >= 0) token[0] = o.newToken();
        });
        engine.runUntilIdle();
        double ms = (System.nanoTime() - t0) / 1e6;
        if (last[0] == null || last[0].error() != null) throw new EngineException("request failed: " + (last[0] == null ? "no output" : last[0].error()));
        lastToken = token[0];
        return ms;
    }

    /** Host-to-device and device-to-host bytes/s (on the CPU, the memory read bandwidth for both). */
    private double[] hostCopyBandwidths(LlmEngine engine) {
        if (engine.runner().backend(0) instanceof CudaBackend cb)
            return new double[]{cb.measureHostToDeviceBandwidth(256L << 20, 20), cb.measureDeviceToHostBandwidth(256L << 20, 20)};
        double b = MemoryBandwidth.measure(256L << 20, threads > 0 ? threads : Runtime.getRuntime().availableProcessors(), 3);
        return new double[]{b, b};
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
