package ai.baton.engine;

import java.nio.file.Path;

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
 */
public record EngineConfig(Path modelDir, Path syntheticConfig, String backend, int threads, int tensorParallel,
                           int kvBlocks, long kvCacheBytes, int blockSize, int maxBatchTokens, int maxSequences,
                           boolean prefixCaching, int maxModelLen) {

    public static EngineConfig forModel(Path modelDir) {
        return new EngineConfig(modelDir, null, "cpu", 0, 1, 0, 256L << 20, 16, 512, 64, true, 0);
    }

    public EngineConfig withKvBlocks(int n) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, n, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen);
    }

    public EngineConfig withMaxBatchTokens(int n) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, n, maxSequences, prefixCaching, maxModelLen);
    }

    public EngineConfig withMaxSequences(int n) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, n, prefixCaching, maxModelLen);
    }

    public EngineConfig withPrefixCaching(boolean on) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, on, maxModelLen);
    }

    public EngineConfig withBackend(String b) {
        return new EngineConfig(modelDir, syntheticConfig, b, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen);
    }

    public EngineConfig withThreads(int n) {
        return new EngineConfig(modelDir, syntheticConfig, backend, n, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen);
    }

    public EngineConfig withTensorParallel(int n) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, n, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen);
    }

    public EngineConfig withSynthetic(Path config) {
        return new EngineConfig(modelDir, config, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, maxModelLen);
    }

    public EngineConfig withMaxModelLen(int n) {
        return new EngineConfig(modelDir, syntheticConfig, backend, threads, tensorParallel, kvBlocks, kvCacheBytes, blockSize, maxBatchTokens, maxSequences, prefixCaching, n);
    }
}
