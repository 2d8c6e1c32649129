package ai.baton.experiments.sweep;

import ai.baton.engine.model.ModelConfig;
import ai.baton.engine.weights.DType;
import ai.baton.engine.weights.SafetensorsWriter;
import ai.baton.engine.weights.SyntheticWeights;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;

/**
 * A Hugging Face model directory of a real shape with random bf16 weights, for sweeps where real weights cannot be
 * downloaded: the published config.json, a real tokenizer, and model.safetensors from SyntheticWeights. Serving cost
 * depends on the shape, not the values; only the generated text is nonsense (ignore_eos keeps lengths exact).
 * Written once: an existing directory with a complete marker is reused.
 */
public final class SyntheticModel {
    private SyntheticModel() {}

    public static Path ensure(Path config, Path tokenizerDir, Path dir, PrintStream log) throws IOException {
        Path done = dir.resolve(".complete");
        if (Files.exists(done)) return dir;
        if (!Files.isRegularFile(config)) throw new IllegalArgumentException("--synthetic-shape: no such config: " + config);
        if (!Files.isRegularFile(tokenizerDir.resolve("tokenizer.json")))
            throw new IllegalArgumentException("--synthetic-tokenizer: no tokenizer.json in " + tokenizerDir);
        Files.createDirectories(dir);
        ModelConfig mc = ModelConfig.load(config);
        log.printf("writing a synthetic %s model (%.2fB parameters, bf16) to %s%n", config.getFileName(), mc.parameterCount() / 1e9, dir);
        Files.copy(config, dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        for (String f : new String[]{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"}) {
            Path src = tokenizerDir.resolve(f);
            if (Files.isRegularFile(src)) Files.copy(src, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        try (SyntheticWeights w = new SyntheticWeights(mc, DType.BF16, 1234)) {
            var tensors = new ArrayList<ai.baton.engine.weights.TensorData>();
            for (String name : w.names()) tensors.add(w.tensor(name));
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors);
        }
        Files.writeString(done, config.toString() + "\n");
        return dir;
    }
}
