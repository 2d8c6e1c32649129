package ai.baton.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command-line contract tests and users rely on, checked against the Hugging Face fixtures. */
class FixtureCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode expected(String model) throws IOException {
        return JSON.readTree(CliRunner.fixtures().resolve(model).resolve("expected.json").toFile());
    }

    static String csv(JsonNode ids) {
        return StreamSupport.stream(ids.spliterator(), false).map(JsonNode::asText).collect(Collectors.joining(","));
    }

    static double relL2(JsonNode got, JsonNode want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.size(); i++) {
            double d = got.get(i).asDouble() - want.get(i).asDouble();
            num += d * d;
            den += want.get(i).asDouble() * want.get(i).asDouble();
        }
        return Math.sqrt(num / den);
    }

    /** Logits and greedy tokens through the CLI, at TP 1, 2 and 4 where the heads divide (qwen2-tiny has 1 KV head). */
    @ParameterizedTest
    @CsvSource({"qwen3-tiny,1", "qwen3-tiny-bf16,1", "llama3-tiny,1", "qwen2-tiny,1",
            "qwen3-tiny,2", "llama3-tiny,2", "qwen2-tiny,2", "qwen3-tiny,4", "qwen2-tiny,4"})
    void logitsAndGreedyMatchFixtures(String model, int tp) throws IOException {
        String dir = CliRunner.fixtures().resolve(model).toString();
        for (JsonNode c : expected(model).get("cases")) {
            boolean all = c.has("all_logits");
            CliRunner.Result r = all
                    ? CliRunner.run("logits", "--model", dir, "--tp", "" + tp, "--threads", "2", "--prompt-ids", csv(c.get("prompt")), "--all")
                    : CliRunner.run("logits", "--model", dir, "--tp", "" + tp, "--threads", "2", "--prompt-ids", csv(c.get("prompt")));
            assertEquals(0, r.exit(), r.err());
            JsonNode got = r.json();
            double err = relL2(got.get("last_logits"), c.get("last_logits"));
            assertTrue(err < 1e-4, model + " tp " + tp + " len " + c.get("prompt").size() + ": relative L2 " + err);
            if (all) {
                for (int p = 0; p < c.get("all_logits").size(); p++) {
                    double e = relL2(got.get("all_logits").get(p), c.get("all_logits").get(p));
                    assertTrue(e < 1e-4, model + " tp " + tp + " all_logits position " + p + ": " + e);
                }
            }
            CliRunner.Result g = CliRunner.run("generate", "--model", dir, "--tp", "" + tp, "--threads", "2",
                    "--prompt-ids", csv(c.get("prompt")), "--max-tokens", "" + c.get("greedy").size(), "--ignore-eos", "--json");
            assertEquals(0, g.exit(), g.err());
            assertEquals(c.get("greedy"), g.json().get("token_ids"), model + " tp " + tp + " greedy");
            // The same tokens when the engine speculates (n-gram drafts verified in the step); a few cases, to keep CI short.
            if ((tp == 1 || (tp == 2 && model.equals("qwen3-tiny"))) && c.get("prompt").size() >= 17) {
                CliRunner.Result sg = CliRunner.run("generate", "--model", dir, "--tp", "" + tp, "--threads", "2",
                        "--prompt-ids", csv(c.get("prompt")), "--max-tokens", "" + c.get("greedy").size(), "--ignore-eos", "--json",
                        "--speculative-config", "{\"method\": \"ngram\", \"num_speculative_tokens\": 3, \"prompt_lookup_min\": 1}");
                assertEquals(0, sg.exit(), sg.err());
                assertEquals(c.get("greedy"), sg.json().get("token_ids"), model + " tp " + tp + " greedy, speculative");
            }
        }
    }

    @Test
    void textFixtureThroughChatAndCompletion() throws IOException {
        String dir = CliRunner.fixtures().resolve("qwen3-text-tiny").toString();
        for (JsonNode c : expected("qwen3-text-tiny").get("cases")) {
            CliRunner.Result r = "chat".equals(c.get("kind").asText())
                    ? CliRunner.run("generate", "--model", dir, "--messages", c.get("messages").toString(), "--chat-kwargs",
                    c.path("chat_template_kwargs").toString(), "--max-tokens", "20", "--ignore-eos", "--json")
                    : CliRunner.run("generate", "--model", dir, "--prompt", c.get("prompt_text").asText(), "--max-tokens", "20",
                    "--ignore-eos", "--json");
            assertEquals(0, r.exit(), r.err());
            assertEquals(c.get("prompt_ids"), r.json().get("prompt_ids"));
            assertEquals(c.get("greedy_ids"), r.json().get("token_ids"));
            assertEquals(c.get("greedy_text").asText(), r.json().get("text").asText());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3"})
    void tokenizeAndChatTemplateMatchFixtures(String name) throws IOException {
        JsonNode exp = JSON.readTree(CliRunner.fixtures().resolve("tokenizers/expected.json").toFile()).get(name);
        String dir = CliRunner.fixtures().resolve("tokenizers").resolve(name).toString();
        // Every case is covered by the tokenizer's own tests; here a few check the command's contract.
        for (int i = 0; i < exp.get("encode").size(); i += 5) {
            JsonNode c = exp.get("encode").get(i);
            CliRunner.Result r = CliRunner.run("tokenize", "--tokenizer", dir, "--text", c.get("text").asText());
            assertEquals(0, r.exit(), r.err());
            assertEquals(c.get("ids"), r.json().get("ids"), c.get("text").asText());
        }
        for (JsonNode c : exp.get("chat")) {
            CliRunner.Result r = CliRunner.run("chat-template", "--tokenizer", dir, "--messages", c.get("messages").toString(),
                    "--kwargs", c.get("kwargs").toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals(c.get("rendered").asText(), r.json().get("rendered").asText());
        }
    }
}
