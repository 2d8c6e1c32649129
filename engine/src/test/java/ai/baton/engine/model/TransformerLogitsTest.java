package ai.baton.engine.model;

import ai.baton.engine.Fixtures;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.backend.KvCacheStorage;
import ai.baton.engine.backend.KvLayout;
import ai.baton.engine.backend.cpu.CpuBackend;
import ai.baton.engine.weights.SafetensorsWeights;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** One forward pass of each fixture prompt, straight through the model (no scheduler), against HF's logits. */
class TransformerLogitsTest {

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "qwen3-tiny-bf16", "llama3-tiny", "qwen2-tiny"})
    void lastLogitsMatchHuggingFace(String name) {
        Path dir = Fixtures.model(name);
        ModelConfig cfg = ModelConfig.load(dir.resolve("config.json"));
        try (CpuBackend be = new CpuBackend(2); SafetensorsWeights w = SafetensorsWeights.open(dir)) {
            Transformer model = new Transformer(cfg, w, be, Shard.single(cfg), ai.baton.engine.backend.Communicator.SINGLE);
            int blockSize = 16;
            for (JsonNode c : Fixtures.json(dir.resolve("expected.json")).get("cases")) {
                int[] prompt = Fixtures.ints(c.get("prompt"));
                int blocks = (prompt.length + blockSize - 1) / blockSize;
                try (KvCacheStorage kv = be.allocateKvCache(new KvLayout(cfg.numLayers(), blocks, blockSize, cfg.numKvHeads(), cfg.headDim(), 4))) {
                    int[] pos = new int[prompt.length], table = new int[blocks];
                    for (int i = 0; i < pos.length; i++) pos[i] = i;
                    for (int i = 0; i < blocks; i++) table[i] = blocks - 1 - i; // non-trivial block order
                    int[] slots = new int[prompt.length];
                    for (int i = 0; i < slots.length; i++) slots[i] = table[i / blockSize] * blockSize + i % blockSize;
                    ForwardBatch b = new ForwardBatch(prompt, pos, slots, new int[]{0, prompt.length}, new int[]{prompt.length},
                            new int[][]{table}, new int[]{prompt.length - 1});
                    float[] logits = be.toHost(model.forward(b, kv));
                    double err = Fixtures.relativeL2(logits, Fixtures.floats(c.get("last_logits")));
                    assertTrue(err < 1e-4, name + " prompt of " + prompt.length + ": relative L2 " + err);
                }
            }
        }
    }
}
