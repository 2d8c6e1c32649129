package ai.baton.engine.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renders the HF-made fixture conversations and checks tokenizer-directory loading. */
class ChatTemplateFixturesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURES = Path.of(System.getProperty("baton.fixtures", "../../shared/fixtures"));

    private static List<Map<String, Object>> messages(JsonNode node) {
        return JSON.convertValue(node, new TypeReference<>() {});
    }

    private static Map<String, Object> map(JsonNode node) {
        return node == null ? Map.of() : JSON.convertValue(node, new TypeReference<>() {});
    }

    private void checkTokenizerChats(String name) throws IOException {
        JsonNode expected = JSON.readTree(FIXTURES.resolve("tokenizers/expected.json").toFile()).get(name);
        ChatTemplate template = ChatTemplate.fromTokenizerDir(FIXTURES.resolve("tokenizers").resolve(name)).orElseThrow();
        int n = 0;
        for (JsonNode chat : expected.get("chat")) {
            String rendered = template.render(messages(chat.get("messages")), true, map(chat.get("kwargs")));
            assertEquals(chat.get("rendered").asText(), rendered, name + " chat #" + n);
            n++;
        }
        assertTrue(n > 0, "fixture has chat cases");
    }

    @Test
    void qwen3TokenizerFixtureChats() throws IOException {
        checkTokenizerChats("qwen3");
    }

    @Test
    void llama3TokenizerFixtureChats() throws IOException {
        checkTokenizerChats("llama3");
    }

    @Test
    void qwen3TextTinyPromptTexts() throws IOException {
        Path dir = FIXTURES.resolve("qwen3-text-tiny");
        ChatTemplate template = ChatTemplate.fromTokenizerDir(dir).orElseThrow();
        int n = 0;
        for (JsonNode c : JSON.readTree(dir.resolve("expected.json").toFile()).get("cases")) {
            if (!"chat".equals(c.path("kind").asText())) continue;
            String rendered = template.render(messages(c.get("messages")), true, map(c.get("chat_template_kwargs")));
            assertEquals(c.get("prompt_text").asText(), rendered, "case #" + n);
            n++;
        }
        assertTrue(n > 0, "fixture has chat cases");
    }

    @Test
    void llama3SpecialTokensBecomeVariables() {
        ChatTemplate t = ChatTemplate.fromTokenizerDir(FIXTURES.resolve("tokenizers/llama3")).orElseThrow();
        assertEquals("<|begin_of_text|>", t.variables().get("bos_token"));
        assertEquals("<|end_of_text|>", t.variables().get("eos_token"));
    }

    @Test
    void chatTemplateJinjaFileWinsOverConfig(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"chat_template\": \"from config\", \"bos_token\": {\"content\": \"<B>\", \"lstrip\": false}, \"eos_token\": \"<E>\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "{{ bos_token }}jinja{{ eos_token }}\n");
        ChatTemplate t = ChatTemplate.fromTokenizerDir(dir).orElseThrow();
        assertEquals("<B>jinja<E>", t.render(List.of(), false, Map.of()));
    }

    @Test
    void namedTemplateListTakesDefault(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "default", "template": "default {{ messages|length }}"}]}
                """);
        ChatTemplate t = ChatTemplate.fromTokenizerDir(dir).orElseThrow();
        assertEquals("default 2", t.render(List.of(Map.of("role", "user"), Map.of("role", "assistant")), false, Map.of()));
    }

    @Test
    void legacySpecialTokensMapFillsGaps(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"{{ bos_token }}{{ eos_token }}{{ additional_special_tokens }}\", \"eos_token\": \"<E>\"}");
        Files.writeString(dir.resolve("special_tokens_map.json"),
                "{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": \"ignored\", \"additional_special_tokens\": [\"<a>\", {\"content\": \"<b>\"}]}");
        ChatTemplate t = ChatTemplate.fromTokenizerDir(dir).orElseThrow();
        assertEquals("<s><E>['<a>', '<b>']", t.render(List.of(), false, Map.of()));
    }

    @Test
    void directoryWithoutTemplateIsEmpty(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        assertFalse(ChatTemplate.fromTokenizerDir(dir).isPresent());
        assertFalse(ChatTemplate.fromTokenizerDir(dir.resolve("missing")).isPresent());
    }

    @Test
    void extraKwargsOverrideSpecialTokensAndToolsDefaultToNone() {
        ChatTemplate t = ChatTemplate.compile("{{ eos_token }}|{{ tools is none }}|{{ documents is none }}|{{ add_generation_prompt }}")
                .withVariables(Map.of("eos_token", "</s>"));
        assertEquals("</s>|True|True|True", t.render(List.of(), true, Map.of()));
        assertEquals("<eos>|True|True|False", t.render(List.of(), false, Map.of("eos_token", "<eos>")));
    }
}
