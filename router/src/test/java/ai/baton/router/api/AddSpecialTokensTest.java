package ai.baton.router.api;

import ai.baton.engine.model.GenerationConfig;
import ai.baton.engine.template.ChatTemplate;
import ai.baton.engine.tokenizer.Tokenizer;
import ai.baton.router.testing.Fixtures;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * vLLM's add_special_tokens: on by default for completions (off for a prompt that already holds BOS), off by default
 * for chat, whose template writes BOS itself. The Llama 3 tokenizer of the fixtures, with the TemplateProcessing
 * post-processor that the published Llama 3 tokenizers carry (the fixture's adds nothing), so that there is a BOS to add.
 */
class AddSpecialTokensTest {
    private static final int BOS = 128000;
    private final RequestParser parser;

    AddSpecialTokensTest(@TempDir Path dir) throws IOException {
        Path fixture = Fixtures.dir().resolve("tokenizers/llama3");
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(fixture.resolve("tokenizer.json").toFile());
        json.set("post_processor", new ObjectMapper().readTree("""
                {"type": "TemplateProcessing",
                 "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                 "pair": [],
                 "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [128000], "tokens": ["<|begin_of_text|>"]}}}
                """));
        new ObjectMapper().writeValue(dir.resolve("tokenizer.json").toFile(), json);
        Files.copy(fixture.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        Tokenizer tok = Tokenizer.load(dir);
        ServedModel model = new ServedModel("llama3", dir, tok, ChatTemplate.fromTokenizerDir(dir).orElseThrow(), tok.vocabSize(),
                8192, GenerationConfig.empty());
        parser = new RequestParser(model, () -> 8192, 16);
    }

    private int[] prompt(Endpoint ep, String body) {
        return parser.parse(ep, body.getBytes(StandardCharsets.UTF_8), 0).gen().prompt();
    }

    @Test
    void completionsAddBosUnlessTold() {
        int[] plain = prompt(Endpoint.COMPLETIONS, "{\"prompt\": \"Hello there\"}");
        int[] without = prompt(Endpoint.COMPLETIONS, "{\"prompt\": \"Hello there\", \"add_special_tokens\": false}");
        assertEquals(BOS, plain[0]);
        assertNotEquals(BOS, without[0]);
        assertArrayEquals(java.util.Arrays.copyOfRange(plain, 1, plain.length), without);
        // a prompt rendered elsewhere keeps its one BOS
        int[] rendered = prompt(Endpoint.COMPLETIONS, "{\"prompt\": \"<|begin_of_text|>Hello there\", \"add_special_tokens\": false}");
        assertArrayEquals(plain, rendered);
    }

    @Test
    void chatAddsTheTokenizersOnlyWhenAsked() {
        String msgs = "\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]";
        int[] chat = prompt(Endpoint.CHAT, "{" + msgs + "}");
        int[] asked = prompt(Endpoint.CHAT, "{" + msgs + ", \"add_special_tokens\": true}");
        assertEquals(BOS, chat[0]);
        assertNotEquals(BOS, chat[1]);  // the template's BOS, not a second one
        assertEquals(chat.length + 1, asked.length);
        assertEquals(BOS, asked[1]);
    }
}
