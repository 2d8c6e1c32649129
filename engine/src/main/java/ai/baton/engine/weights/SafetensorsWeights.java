package ai.baton.engine.weights;

import ai.baton.engine.EngineException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Weights of a Hugging Face model directory: model.safetensors, or shards listed in model.safetensors.index.json. */
public final class SafetensorsWeights implements WeightSource {
    private final List<SafetensorsFile> files = new ArrayList<>();
    private final Map<String, TensorData> byName = new HashMap<>();

    public static SafetensorsWeights open(Path modelDir) {
        Path single = modelDir.resolve("model.safetensors");
        Path index = modelDir.resolve("model.safetensors.index.json");
        SafetensorsWeights w = new SafetensorsWeights();
        try {
            if (Files.isRegularFile(single)) {
                w.add(single);
            } else if (Files.isRegularFile(index)) {
                JsonNode map = new ObjectMapper().readTree(index.toFile()).path("weight_map");
                Set<String> shards = new LinkedHashSet<>();
                map.properties().forEach(e -> shards.add(e.getValue().asText()));
                for (String shard : shards) {
                    Path p = modelDir.resolve(shard);
                    if (!Files.isRegularFile(p)) throw new EngineException("missing weights shard " + p);
                    w.add(p);
                }
            } else {
                throw new EngineException("no model.safetensors or model.safetensors.index.json in " + modelDir);
            }
        } catch (IOException e) {
            w.close();
            throw new EngineException("cannot read " + index + ": " + e.getMessage());
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        return w;
    }

    private void add(Path p) {
        SafetensorsFile f = new SafetensorsFile(p);
        files.add(f);
        byName.putAll(f.tensors());
    }

    @Override public boolean has(String name) { return byName.containsKey(name); }

    @Override public TensorData tensor(String name) {
        TensorData t = byName.get(name);
        if (t == null) throw new EngineException("missing tensor " + name);
        return t;
    }

    @Override public Set<String> names() { return byName.keySet(); }

    @Override public DType dtype() {
        TensorData any = byName.values().stream().filter(t -> t.name().endsWith("q_proj.weight")).findFirst()
                .orElse(byName.values().iterator().next());
        return any.dtype();
    }

    @Override public void close() { files.forEach(SafetensorsFile::close); }
}
