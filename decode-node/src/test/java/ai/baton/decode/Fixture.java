package ai.baton.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The qwen3-text-tiny fixture: a real tokenizer, HF's greedy ids and text. */
final class Fixture {
    private Fixture() {}

    record Case(int[] promptIds, int[] greedyIds, String greedyText) {}

    static Path model() {
        return Path.of(System.getProperty("baton.fixtures", "../../shared/fixtures")).toAbsolutePath().normalize().resolve("qwen3-text-tiny");
    }

    static List<Case> cases() {
        try {
            JsonNode root = new ObjectMapper().readTree(model().resolve("expected.json").toFile());
            List<Case> out = new ArrayList<>();
            for (JsonNode c : root.get("cases")) out.add(new Case(ints(c.get("prompt_ids")), ints(c.get("greedy_ids")), c.get("greedy_text").asText()));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }
}
