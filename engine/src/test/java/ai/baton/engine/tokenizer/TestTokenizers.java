package ai.baton.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/** Shared fixtures for the tokenizer tests: the real tokenizers load once per test JVM. */
final class TestTokenizers {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ConcurrentHashMap<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private TestTokenizers() {}

    static Path fixtures() { return Path.of(System.getProperty("baton.fixtures", "../../shared/fixtures")); }

    static Path qwen3Dir() { return fixtures().resolve("tokenizers/qwen3"); }

    static Path llama3Dir() { return fixtures().resolve("tokenizers/llama3"); }

    static Tokenizer qwen3() { return LOADED.computeIfAbsent("qwen3", k -> Tokenizer.load(qwen3Dir())); }

    static Tokenizer llama3() { return LOADED.computeIfAbsent("llama3", k -> Tokenizer.load(llama3Dir())); }

    static Tokenizer byName(String name) {
        return switch (name) {
            case "qwen3" -> qwen3();
            case "llama3" -> llama3();
            default -> throw new IllegalArgumentException(name);
        };
    }

    static JsonNode readJson(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** hf-extra.json: more HF reference cases, made by gen_hf_extra.py next to it. */
    static JsonNode hfExtra() {
        try (InputStream in = TestTokenizers.class.getResourceAsStream("hf-extra.json")) {
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] a = new int[array.size()];
        for (int i = 0; i < a.length; i++) a[i] = array.get(i).asInt();
        return a;
    }
}
