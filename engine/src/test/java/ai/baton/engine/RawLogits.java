package ai.baton.engine;

import ai.baton.engine.backend.Communicator;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;
import ai.baton.engine.backend.cpu.CpuBackend;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.model.Shard;
import ai.baton.engine.model.Transformer;
import ai.baton.engine.weights.SafetensorsWeights;

import java.nio.file.Path;

/** The model's raw last-token logits for a whole sequence, one forward pass straight through it (no scheduler). */
final class RawLogits implements AutoCloseable {
    private static final int BLOCK = 16;
    private final ModelConfig cfg;
    private final CpuBackend be = new CpuBackend(2);
    private final SafetensorsWeights weights;
    private final Transformer model;

    RawLogits(Path dir) {
        cfg = ModelConfig.load(dir.resolve("config.json"));
        weights = SafetensorsWeights.open(dir);
        model = new Transformer(cfg, weights, be, Shard.single(cfg), Communicator.SINGLE);
    }

    float[] last(int[] tokens) {
        int blocks = (tokens.length + BLOCK - 1) / BLOCK;
        try (KvCacheStorage kv = be.allocateKvCache(new KvLayout(cfg.numLayers(), blocks, BLOCK, cfg.numKvHeads(), cfg.headDim(), 4))) {
            int[] pos = new int[tokens.length], table = new int[blocks], slots = new int[tokens.length];
            for (int i = 0; i < blocks; i++) table[i] = i;
            for (int i = 0; i < tokens.length; i++) {
                pos[i] = i;
                slots[i] = i;
            }
            ForwardBatch b = new ForwardBatch(tokens, pos, slots, new int[]{0, tokens.length}, new int[]{tokens.length},
                    new int[][]{table}, new int[]{tokens.length - 1});
            return be.toHost(model.forward(b, kv));
        }
    }

    @Override
    public void close() {
        model.close();
        weights.close();
        be.close();
    }
}
