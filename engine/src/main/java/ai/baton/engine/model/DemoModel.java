package ai.baton.engine.model;

import ai.baton.engine.EngineException;
import ai.baton.engine.tokenizer.BpeTrainer;
import ai.baton.engine.tokenizer.Tokenizer;
import ai.baton.engine.weights.DType;
import ai.baton.engine.weights.SafetensorsWriter;
import ai.baton.engine.weights.SyntheticWeights;
import ai.baton.engine.weights.TensorData;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedded default model: a small Qwen3-style transformer with random weights and a byte-level BPE tokenizer
 * trained on text shipped in the repository. It needs no network and nothing outside the repository, so a fresh
 * machine can run a whole cluster. Its text is gibberish: it exists to exercise the system, not to answer.
 */
public final class DemoModel {
    private DemoModel() {}

    public static final int VOCAB = 2048;

    /** Writes the model into {@code dir} unless a complete copy is already there; returns {@code dir}. */
    public static Path create(Path dir) {
        try {
            if (Files.isRegularFile(dir.resolve("model.safetensors")) && Files.isRegularFile(dir.resolve("tokenizer.json")))
                return dir;
            Files.createDirectories(dir);
            Path tmp = Files.createTempDirectory(dir.getParent() != null ? dir.getParent() : dir, ".demo-model");
            BpeTrainer.train(BpeTrainer.bundledCorpus(), VOCAB, tmp);
            Tokenizer tok = Tokenizer.load(tmp);
            int vocab = tok.vocabSize();
            int eos = tok.tokenId("<|im_end|>").orElseThrow();
            int endOfText = tok.tokenId("<|endoftext|>").orElseThrow();
            Map<String, Object> cfg = new LinkedHashMap<>();
            cfg.put("architectures", List.of("Qwen3ForCausalLM"));
            cfg.put("model_type", "qwen3");
            cfg.put("hidden_size", 256);
            cfg.put("intermediate_size", 768);
            cfg.put("num_hidden_layers", 4);
            cfg.put("num_attention_heads", 4);
            cfg.put("num_key_value_heads", 2);
            cfg.put("head_dim", 64);
            cfg.put("vocab_size", vocab);
            cfg.put("max_position_embeddings", 4096);
            cfg.put("rms_norm_eps", 1e-6);
            cfg.put("rope_theta", 1000000.0);
            cfg.put("tie_word_embeddings", true);
            cfg.put("attention_bias", false);
            cfg.put("bos_token_id", endOfText);
            cfg.put("eos_token_id", eos);
            cfg.put("torch_dtype", "bfloat16");
            ObjectMapper json = new ObjectMapper();
            json.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("config.json").toFile(), cfg);
            json.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("generation_config.json").toFile(),
                    Map.of("eos_token_id", List.of(eos, endOfText)));
            ModelConfig mc = ModelConfig.load(tmp.resolve("config.json"));
            try (SyntheticWeights w = new SyntheticWeights(mc, DType.BF16, 2026)) {
                List<TensorData> all = new ArrayList<>();
                for (String n : w.names()) all.add(w.tensor(n));
                SafetensorsWriter.write(tmp.resolve("model.safetensors"), all);
            }
            try (var files = Files.list(tmp)) {
                for (Path f : files.toList()) Files.move(f, dir.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Files.delete(tmp);
            return dir;
        } catch (IOException e) {
            throw new EngineException("cannot write the demo model to " + dir + ": " + e.getMessage());
        }
    }
}
