package ai.baton.engine.model;

import ai.baton.engine.EngineException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shape of a model, read from a Hugging Face config.json. Accepts both the transformers 4.x keys
 * ({@code rope_theta}, {@code rope_scaling}) and the 5.x {@code rope_parameters} block.
 */
public record ModelConfig(
        Architecture architecture,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        double rmsNormEps,
        RopeScaling rope,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        int maxPositionEmbeddings,
        List<Integer> eosTokenIds,
        Integer bosTokenId,
        String torchDtype) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static ModelConfig load(Path configJson) {
        if (!Files.isRegularFile(configJson)) throw new EngineException("missing " + configJson);
        try {
            return parse(JSON.readTree(configJson.toFile()));
        } catch (IOException e) {
            throw new EngineException("cannot read " + configJson + ": " + e.getMessage());
        }
    }

    public static ModelConfig parse(JsonNode c) {
        JsonNode archs = c.path("architectures");
        if (!archs.isArray() || archs.isEmpty()) throw new EngineException("config.json has no \"architectures\"");
        Architecture arch = Architecture.fromHf(archs.get(0).asText());
        int hidden = required(c, "hidden_size");
        int heads = required(c, "num_attention_heads");
        int kvHeads = c.has("num_key_value_heads") && !c.get("num_key_value_heads").isNull()
                ? c.get("num_key_value_heads").asInt() : heads;
        int headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : hidden / heads;
        if (heads % kvHeads != 0) throw new EngineException("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        boolean bias = arch.qkvBias || c.path("attention_bias").asBoolean(false);
        String dtype = c.hasNonNull("dtype") ? c.get("dtype").asText() : c.path("torch_dtype").asText("float32");
        return new ModelConfig(arch, hidden, required(c, "intermediate_size"), required(c, "num_hidden_layers"),
                heads, kvHeads, headDim, required(c, "vocab_size"), c.path("rms_norm_eps").asDouble(1e-6),
                rope(c), c.path("tie_word_embeddings").asBoolean(false), bias,
                c.path("max_position_embeddings").asInt(4096), ids(c.get("eos_token_id")),
                c.hasNonNull("bos_token_id") ? c.get("bos_token_id").asInt() : null, dtype);
    }

    private static RopeScaling rope(JsonNode c) {
        // 5.x: rope_parameters {rope_type, rope_theta, factor, ...}; 4.x: rope_theta + rope_scaling {rope_type|type, ...}
        JsonNode params = c.hasNonNull("rope_parameters") ? c.get("rope_parameters") : c.path("rope_scaling");
        double theta = params.hasNonNull("rope_theta") ? params.get("rope_theta").asDouble() : c.path("rope_theta").asDouble(10000.0);
        String type = params.hasNonNull("rope_type") ? params.get("rope_type").asText()
                : params.hasNonNull("type") ? params.get("type").asText() : "default";
        return switch (type) {
            case "default" -> RopeScaling.plain(theta);
            case "llama3" -> new RopeScaling("llama3", theta, params.path("factor").asDouble(8),
                    params.path("low_freq_factor").asDouble(1), params.path("high_freq_factor").asDouble(4),
                    params.path("original_max_position_embeddings").asInt(8192));
            default -> throw new EngineException("unsupported rope type " + type + " (supported: default, llama3)");
        };
    }

    private static int required(JsonNode c, String key) {
        if (!c.hasNonNull(key)) throw new EngineException("config.json is missing \"" + key + "\"");
        return c.get(key).asInt();
    }

    private static List<Integer> ids(JsonNode n) {
        List<Integer> out = new ArrayList<>();
        if (n == null || n.isNull()) return out;
        if (n.isArray()) n.forEach(x -> out.add(x.asInt()));
        else out.add(n.asInt());
        return out;
    }

    public int qSize() { return numHeads * headDim; }
    public int kvSize() { return numKvHeads * headDim; }

    /** Parameters, counted for benchmarks' FLOP and byte floors. */
    public long parameterCount() {
        long attn = (long) hiddenSize * (qSize() + 2L * kvSize()) + (long) qSize() * hiddenSize;
        long mlp = 3L * hiddenSize * intermediateSize;
        long perLayer = attn + mlp + 2L * hiddenSize;
        long embed = (long) vocabSize * hiddenSize;
        return numLayers * perLayer + embed * (tieWordEmbeddings ? 1 : 2) + hiddenSize;
    }
}
