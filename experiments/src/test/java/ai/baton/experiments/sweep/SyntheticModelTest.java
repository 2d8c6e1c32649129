package ai.baton.experiments.sweep;

import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.weights.SafetensorsWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A synthetic model directory is a loadable HF directory with every weight of the shape. */
class SyntheticModelTest {
    @Test
    void writesALoadableDirectoryOnce(@TempDir Path tmp) throws Exception {
        Path fixtures = Path.of(System.getProperty("baton.fixtures", "../../shared/fixtures"));
        Path dir = tmp.resolve("m");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        SyntheticModel.ensure(fixtures.resolve("qwen3-text-tiny/config.json"), fixtures.resolve("tokenizers/qwen3"), dir, quiet);
        assertTrue(Files.isRegularFile(dir.resolve("tokenizer.json")));
        ModelConfig mc = ModelConfig.load(dir.resolve("config.json"));
        try (var w = SafetensorsWeights.open(dir)) {
            assertTrue(w.has("model.layers." + (mc.numLayers() - 1) + ".mlp.down_proj.weight"));
            assertEquals(mc.vocabSize() * (long) mc.hiddenSize() * 2, w.tensor("model.embed_tokens.weight").data().byteSize());
        }
        long t = Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis();
        SyntheticModel.ensure(fixtures.resolve("qwen3-text-tiny/config.json"), fixtures.resolve("tokenizers/qwen3"), dir, quiet);
        assertEquals(t, Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis(), "reused, not rewritten");
    }
}
