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
 * Defaults from generation_config.json: end-of-sequence ids and the model's preferred sampling (a request's own
 * values win, as in vLLM).
 */
public record GenerationConfig(List<Integer> eosTokenIds, Double temperature, Double topP, Integer topK,
                               Double repetitionPenalty) {

    public static GenerationConfig empty() { return new GenerationConfig(List.of(), null, null, null, null); }

    public static GenerationConfig load(Path file) {
        if (!Files.isRegularFile(file)) return empty();
        try {
            JsonNode n = new ObjectMapper().readTree(file.toFile());
            List<Integer> eos = new ArrayList<>();
            JsonNode e = n.get("eos_token_id");
            if (e != null && e.isArray()) e.forEach(x -> eos.add(x.asInt()));
            else if (e != null && e.isNumber()) eos.add(e.asInt());
            return new GenerationConfig(eos,
                    n.hasNonNull("temperature") ? n.get("temperature").asDouble() : null,
                    n.hasNonNull("top_p") ? n.get("top_p").asDouble() : null,
                    n.hasNonNull("top_k") ? n.get("top_k").asInt() : null,
                    n.hasNonNull("repetition_penalty") ? n.get("repetition_penalty").asDouble() : null);
        } catch (IOException ex) {
            throw new EngineException("cannot read " + file + ": " + ex.getMessage());
        }
    }
}
