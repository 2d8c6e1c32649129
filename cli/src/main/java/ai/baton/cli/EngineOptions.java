package ai.baton.cli;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.spec.SpeculativeConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** Options shared by commands that load a model. */
final class EngineOptions {
    @Option(names = "--model", required = true, description = "Hugging Face model directory")
    Path model;

    @Option(names = "--backend", defaultValue = "cpu", description = "cpu or cuda (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = "--tp", defaultValue = "1", description = "tensor-parallel ranks (default: ${DEFAULT-VALUE})")
    int tp;

    @Option(names = "--gpus", description = "CUDA device of each rank in rank order, e.g. 0,1 (default: 0..tp-1)")
    String gpus;

    @Option(names = "--threads", defaultValue = "0", description = "CPU threads, 0 = all cores")
    int threads;

    @Option(names = "--kv-blocks", defaultValue = "0", description = "KV cache blocks per rank, 0 = from --kv-cache-mib")
    int kvBlocks;

    @Option(names = "--kv-cache-mib", defaultValue = "256", description = "KV cache memory per rank when --kv-blocks is 0")
    long kvCacheMib;

    @Option(names = "--block-size", defaultValue = "16", description = "tokens per KV block")
    int blockSize;

    @Option(names = "--max-batch-tokens", defaultValue = "512", description = "token budget of one step")
    int maxBatchTokens;

    @Option(names = "--speculative-config", description = "speculative decoding as vLLM's JSON, e.g. '{\"method\": \"ngram\", \"num_speculative_tokens\": 4}' (default: off)")
    String speculativeConfig;

    EngineConfig config() {
        if (tp < 1) throw new IllegalArgumentException("--tp must be >= 1");
        if (blockSize < 1) throw new IllegalArgumentException("--block-size must be >= 1");
        if (maxBatchTokens < 1) throw new IllegalArgumentException("--max-batch-tokens must be >= 1");
        List<Integer> devices = EngineConfig.parseGpus(gpus);
        if (!devices.isEmpty() && !"cuda".equals(backend)) throw new IllegalArgumentException("--gpus needs --backend cuda");
        EngineConfig ec = new EngineConfig(model, null, backend, threads, tp, kvBlocks, kvCacheMib << 20, blockSize, maxBatchTokens,
                64, true, 0, devices, SpeculativeConfig.parse(speculativeConfig));
        ec.devices();  // one distinct GPU per rank, checked before anything loads
        return ec;
    }
}
