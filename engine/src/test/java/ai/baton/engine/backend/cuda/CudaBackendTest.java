package ai.baton.engine.backend.cuda;

import ai.baton.engine.EngineConfig;
import ai.baton.engine.EngineException;
import ai.baton.engine.Fixtures;
import ai.baton.engine.ModelRunner;
import ai.baton.engine.backend.Backends;
import ai.baton.engine.backend.ForwardBatch;
import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.weights.SafetensorsWeights;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The CUDA backend against the HF fixtures; skipped where there is no GPU (CI). */
class CudaBackendTest {

    static boolean gpuPresent() {
        try (var b = new CudaBackend(0)) {
            return true;
        } catch (EngineException e) {
            return false;
        }
    }

    @Test
    void withoutAGpuTheBackendSaysSoInOneLine() {
        assumeTrue(!gpuPresent(), "a GPU is present");
        EngineException e = assertThrows(EngineException.class, () -> Backends.create("cuda", 0, 0));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().length() < 200, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-tiny", "qwen3-tiny-bf16", "llama3-tiny", "qwen2-tiny"})
    void lastLogitsMatchTheReference(String model) {
        assumeTrue(gpuPresent(), "no GPU");
        Path dir = Fixtures.model(model);
        ModelConfig config = ModelConfig.load(dir.resolve("config.json"));
        JsonNode expected = Fixtures.json(dir.resolve("expected.json"));
        EngineConfig ec = EngineConfig.forModel(dir).withBackend("cuda").withKvBlocks(64);
        try (SafetensorsWeights w = SafetensorsWeights.open(dir); ModelRunner runner = new ModelRunner(config, w, ec, 64)) {
            for (JsonNode c : expected.get("cases")) {
                int[] prompt = Fixtures.ints(c.get("prompt"));
                float[] logits = runner.forward(prefill(prompt, 16));
                double err = Fixtures.relativeL2(logits, Fixtures.floats(c.get("last_logits")));
                assertTrue(err < 2e-2, model + " prompt of " + prompt.length + ": relative L2 " + err);
            }
        }
    }

    /** One sequence's whole prompt as one step, logits of its last token, blocks 0.. in order. */
    static ForwardBatch prefill(int[] prompt, int blockSize) {
        int n = prompt.length, blocks = (n + blockSize - 1) / blockSize;
        int[] pos = new int[n], table = new int[blocks];
        for (int i = 0; i < n; i++) pos[i] = i;
        for (int i = 0; i < blocks; i++) table[i] = i;
        return new ForwardBatch(prompt, pos, pos.clone(), new int[]{0, n}, new int[]{n}, new int[][]{table}, new int[]{n - 1});
    }

    @Test
    void deviceSamplingIsGreedyArgmax() {
        assumeTrue(gpuPresent(), "no GPU");
        Path dir = Fixtures.model("qwen3-tiny-bf16");
        ModelConfig config = ModelConfig.load(dir.resolve("config.json"));
        JsonNode c = Fixtures.json(dir.resolve("expected.json")).get("cases").get(2);
        EngineConfig ec = EngineConfig.forModel(dir).withBackend("cuda").withKvBlocks(64);
        try (SafetensorsWeights w = SafetensorsWeights.open(dir); ModelRunner runner = new ModelRunner(config, w, ec, 64)) {
            int[] prompt = Fixtures.ints(c.get("prompt"));
            int[] ids = runner.forwardSample(prefill(prompt, 16), new ai.baton.engine.sampling.SamplingParams[]{null}, new long[]{1});
            assertEquals(Fixtures.ints(c.get("greedy"))[0], ids[0]);
        }
    }
}
