package ai.baton.engine;

import ai.baton.engine.sched.SchedulingPolicy;
import ai.baton.engine.spec.SpeculativeConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * How to build an engine.
 *
 * @param modelDir         a Hugging Face model directory (config.json, safetensors, tokenizer files)
 * @param syntheticConfig  instead of weights: a config.json to fill with random weights (modelDir may then be null)
 * @param backend          "cpu" or "cuda"
 * @param threads          CPU threads (0 = all cores)
 * @param tensorParallel   ranks this engine spans
 * @param kvBlocks         KV blocks per rank (0 = size from kvCacheBytes)
 * @param kvCacheBytes     memory for the KV cache when kvBlocks is 0
 * @param blockSize        tokens per KV block
 * @param maxBatchTokens   token budget of one step
 * @param maxSequences     sequences running at once
 * @param prefixCaching    reuse cached prompt prefixes
 * @param maxModelLen      longest prompt + output (0 = the model's max_position_embeddings)
 * @param gpus             CUDA device of each rank, in rank order (empty = 0..tensorParallel-1)
 * @param speculative      speculative decoding by n-gram lookup ({@link SpeculativeConfig#NONE}: off)
 * @param schedulingPolicy the order requests are served in (null: FCFS)
 * @param kvOffloadBytes   host memory per rank for the prefix cache's second tier, blocks evicted from the KV cache (0: none)
 */
public record EngineConfig(Path modelDir, Path syntheticConfig, String backend, int threads, int tensorParallel,
                           int kvBlocks, long kvCacheBytes, int blockSize, int maxBatchTokens, int maxSequences,
                           boolean prefixCaching, int maxModelLen, List<Integer> gpus, SpeculativeConfig speculative,
                           SchedulingPolicy schedulingPolicy, long kvOffloadBytes) {

    public EngineConfig {
        if (kvOffloadBytes < 0) throw new IllegalArgumentException("the KV offload size must not be negative, got " + kvOffloadBytes);
        gpus = gpus == null ? List.of() : List.copyOf(gpus);
        if (speculative == null) speculative = SpeculativeConfig.NONE;
        if (schedulingPolicy == null) schedulingPolicy = SchedulingPolicy.FCFS;
    }

    /** Without a KV offload tier. */
    public EngineConfig(Path modelDir, Path syntheticConfig, String backend, int threads, int tensorParallel,
                        int kvBlocks, long kvCacheBytes, int blockSize, int maxBatchTokens, int maxSequences,
                        boolean prefixCaching, int maxModelLen, List<Integer> gpus, SpeculativeConfig speculative,
                        SchedulingPolicy schedulingPolicy) {
        this(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize,
                maxBatchTokens, maxSequences, prefixCaching, maxModelLen, gpus, speculative, schedulingPolicy, 0);
    }

    /** First come, first served. */
    public EngineConfig(Path modelDir, Path syntheticConfig, String backend, int threads, int tensorParallel,
                        int kvBlocks, long kvCacheBytes, int blockSize, int maxBatchTokens, int maxSequences,
                        boolean prefixCaching, int maxModelLen, List<Integer> gpus, SpeculativeConfig speculative) {
        this(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize,
                maxBatchTokens, maxSequences, prefixCaching, maxModelLen, gpus, speculative, SchedulingPolicy.FCFS);
    }

    /** Without speculative decoding. */
    public EngineConfig(Path modelDir, Path syntheticConfig, String backend, int threads, int tensorParallel,
                        int kvBlocks, long kvCacheBytes, int blockSize, int maxBatchTokens, int maxSequences,
                        boolean prefixCaching, int maxModelLen, List<Integer> gpus) {
        this(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize,
                maxBatchTokens, maxSequences, prefixCaching, maxModelLen, gpus, SpeculativeConfig.NONE, SchedulingPolicy.FCFS);
    }

    public EngineConfig withSpeculative(SpeculativeConfig s) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes,
                blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen, gpus, s, schedulingPolicy, kvOffloadBytes);
    }

    public EngineConfig withSchedulingPolicy(SchedulingPolicy p) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes,
                blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen, gpus, speculative, p, kvOffloadBytes);
    }

    /** The default device list: rank r on GPU r. */
    public EngineConfig(Path modelDir, Path syntheticConfig, String backend, int threads, int tensorParallel,
                        int kvBlocks, long kvCacheBytes, int blockSize, int maxBatchTokens, int maxSequences,
                        boolean prefixCaching, int maxModelLen) {
        this(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize,
                maxBatchTokens, maxSequences, prefixCaching, maxModelLen, List.of());
    }

    public static EngineConfig forModel(Path modelDir) {
        return new EngineConfig(modelDir, null, "cpu", 0, 1, 0, 256L << 20, 16, 512, 64, true, 0);
    }

    /**
     * The CUDA device of every rank: {@code gpus} when given (exactly one distinct, non-negative ordinal per rank),
     * else 0..tp-1. Throws IllegalArgumentException with a one-line message otherwise.
     */
    public int[] devices() {
        int tp = Math.max(1, tensorParallel);
        int[] out = new int[tp];
        if (gpus.isEmpty()) {
            for (int r = 0; r < tp; r++) out[r] = r;
            return out;
        }
        if (gpus.size() != tp)
            throw new IllegalArgumentException("--gpus names " + gpus.size() + " device(s) but --tp is " + tp + ": give one GPU per rank");
        var seen = new HashSet<Integer>();
        for (int r = 0; r < tp; r++) {
            int g = gpus.get(r);
            if (g < 0) throw new IllegalArgumentException("--gpus: device " + g + " is negative");
            if (!seen.add(g)) throw new IllegalArgumentException("--gpus: device " + g + " is listed twice (one rank per GPU)");
            out[r] = g;
        }
        return out;
    }

    /** Parses a device list such as "0,1" or "2, 3"; null or blank gives the empty (default) list. */
    public static List<Integer> parseGpus(String list) {
        if (list == null || list.isBlank()) return List.of();
        List<Integer> out = new ArrayList<>();
        for (String s : list.split(",", -1)) {
            try {
                out.add(Integer.parseInt(s.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--gpus must be a comma-separated list of device numbers such as 0,1; got \"" + list + "\"");
            }
        }
        return List.copyOf(out);
    }

    public EngineConfig withKvOffloadBytes(long bytes) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen, gpus, speculative, schedulingPolicy, bytes);
    }

    public EngineConfig withKvBlocks(int n) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, n, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen, gpus, speculative, schedulingPolicy, kvOffloadBytes);
    }

    public EngineConfig withMaxBatchTokens(int n) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, n, maxSequences, prefixCaching, maxModelLen, gpus, speculative, schedulingPolicy, kvOffloadBytes);
    }

    public EngineConfig withMaxSequences(int n) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, n, prefixCaching, maxModelLen, gpus, speculative, schedulingPolicy, kvOffloadBytes);
    }

    public EngineConfig withPrefixCaching(boolean on) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, on, maxModelLen, gpus, speculative, schedulingPolicy, kvOffloadBytes);
    }

    public EngineConfig withBackend(String b) {
        return new EngineConfig(modelDir, syntheticConfig, b, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen, gpus, speculative, schedulingPolicy, kvOffloadBytes);
    }

    public EngineConfig withThreads(int n) {
        return new EngineConfig(modelDir, syntheticConfig, backend, n, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen, gpus, speculative, schedulingPolicy, kvOffloadBytes);
    }

    public EngineConfig withTensorParallel(int n) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, n, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen, gpus, speculative, schedulingPolicy, kvOffloadBytes);
    }

    public EngineConfig withSynthetic(Path config) {
        return new EngineConfig(modelDir, config, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen, gpus, speculative, schedulingPolicy, kvOffloadBytes);
    }

    public EngineConfig withMaxModelLen(int n) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, n, gpus, speculative, schedulingPolicy, kvOffloadBytes);
    }

    /** Rank r on GPU gpus[r] (empty: the default 0..tp-1). */
    public EngineConfig withGpus(List<Integer> g) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen, g, speculative, schedulingPolicy, kvOffloadBytes);
    }
}
