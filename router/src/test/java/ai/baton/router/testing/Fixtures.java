package ai.baton.router.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The shared reference fixtures (../shared/fixtures), located by the baton.fixtures system property. */
public final class Fixtures {
    private Fixtures() {}

    public static Path dir() {
        String p = System.getProperty("baton.fixtures");
        Path d = p != null ? Path.of(p) : Path.of("../../shared/fixtures");
        if (!Files.isDirectory(d)) d = Path.of("/work/shared/fixtures");
        return d.toAbsolutePath().normalize();
    }

    public static Path textTiny() { return dir().resolve("qwen3-text-tiny"); }

    /** The qwen3-text-tiny cases: kind, messages or prompt_text, prompt_ids, greedy_text. */
    public static List<JsonNode> textCases() {
        try {
            JsonNode root = Http.JSON.readTree(textTiny().resolve("expected.json").toFile());
            List<JsonNode> out = new ArrayList<>();
            root.path("cases").forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
