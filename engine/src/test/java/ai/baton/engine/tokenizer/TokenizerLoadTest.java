package ai.baton.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerLoadTest {
    @TempDir
    Path tmp;

    private static void assertOneLineMentioning(TokenizerException e, String... parts) {
        assertFalse(e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
        for (String p : parts) assertTrue(e.getMessage().contains(p), () -> "'" + e.getMessage() + "' should mention " + p);
    }

    @Test
    void missingTokenizerJsonIsAClearError() {
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(tmp));
        assertOneLineMentioning(e, "tokenizer.json", tmp.toString());
        TokenizerException e2 = assertThrows(TokenizerException.class, () -> Tokenizer.load(tmp.resolve("no-such-dir")));
        assertOneLineMentioning(e2, "tokenizer.json", "no-such-dir");
    }

    @Test
    void malformedJsonIsAClearError() throws IOException {
        Files.writeString(tmp.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"a\": 0,,}}}");
        assertOneLineMentioning(assertThrows(TokenizerException.class, () -> Tokenizer.load(tmp)), "tokenizer.json");
    }

    @Test
    void unsupportedModelTypeIsAClearError() throws IOException {
        Files.writeString(tmp.resolve("tokenizer.json"), """
                {"model": {"type": "Unigram", "vocab": [["a", 0.0]]}, "pre_tokenizer": {"type": "Metaspace"}, "decoder": null}""");
        assertOneLineMentioning(assertThrows(TokenizerException.class, () -> Tokenizer.load(tmp)), "tokenizer.json");
        Files.writeString(tmp.resolve("tokenizer.json"), """
                {"model": {"type": "WordPiece", "vocab": {"a": 0}}}""");
        assertOneLineMentioning(assertThrows(TokenizerException.class, () -> Tokenizer.load(tmp)), "WordPiece", "tokenizer.json");
        Files.writeString(tmp.resolve("tokenizer.json"), """
                {"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Metaspace", "replacement": "▁"}}""");
        assertOneLineMentioning(assertThrows(TokenizerException.class, () -> Tokenizer.load(tmp)), "Metaspace", "tokenizer.json");
    }

    @Test
    void mergeOutsideTheVocabIsAClearError() throws IOException {
        Files.writeString(tmp.resolve("tokenizer.json"), """
                {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]},
                 "pre_tokenizer": {"type": "ByteLevel"}, "decoder": {"type": "ByteLevel"}}""");
        assertOneLineMentioning(assertThrows(TokenizerException.class, () -> Tokenizer.load(tmp)), "a b", "tokenizer.json");
    }

    @Test
    void acceptsTheTokenizerJsonFileItself() {
        Tokenizer tok = Tokenizer.load(TestTokenizers.qwen3Dir().resolve("tokenizer.json"));
        assertArrayEquals(new int[] {9707, 11, 1879, 0}, tok.encode("Hello, world!"));
        assertEquals("<|im_end|>", tok.config().eosToken());
    }

    @Test
    void vocabularyQueries() {
        Tokenizer qwen = TestTokenizers.qwen3();
        assertEquals(151669, qwen.vocabSize());
        assertEquals(OptionalInt.of(151645), qwen.tokenId("<|im_end|>"));
        assertEquals(OptionalInt.of(9707), qwen.tokenId("Hello"));
        assertEquals(OptionalInt.of(220), qwen.tokenId("Ġ"));
        assertEquals(OptionalInt.empty(), qwen.tokenId("no such token at all"));
        assertEquals("<|im_end|>", qwen.tokenString(151645));
        assertEquals("Ġworld", qwen.tokenString(1879));
        assertNull(qwen.tokenString(-1));
        assertNull(qwen.tokenString(151669));
        assertTrue(qwen.isSpecial(151645));
        assertFalse(qwen.isSpecial(151667), "<think> is an added token but not special");
        assertFalse(qwen.isSpecial(9707));
        assertEquals(OptionalInt.of(151645), qwen.eosTokenId());
        assertEquals(OptionalInt.empty(), qwen.bosTokenId());

        Tokenizer llama = TestTokenizers.llama3();
        assertEquals(128256, llama.vocabSize());
        assertEquals(OptionalInt.of(128000), llama.bosTokenId());
        assertEquals(OptionalInt.of(128001), llama.eosTokenId());
        assertTrue(llama.isSpecial(128009));
        assertEquals(280147, llama.mergeCount());
    }

    @Test
    void addSpecialTokensFollowsThePostProcessor() {
        // both fixture files have a plain ByteLevel post_processor: HF adds nothing (checked against transformers 5.17)
        assertArrayEquals(TestTokenizers.llama3().encode("hi"), TestTokenizers.llama3().encode("hi", true));
        assertArrayEquals(TestTokenizers.qwen3().encode("hi"), TestTokenizers.qwen3().encode("hi", true));
        assertArrayEquals(new int[0], TestTokenizers.qwen3().encode(""));
    }

    @Test
    void realConfigs() {
        TokenizerConfig q = TestTokenizers.qwen3().config();
        assertNull(q.bosToken());
        assertEquals("<|im_end|>", q.eosToken());
        assertEquals("<|endoftext|>", q.padToken());
        assertFalse(q.addBosToken());
        assertEquals(131072, q.modelMaxLength());
        assertTrue(q.chatTemplate().startsWith("{%- if tools %}"));
        assertEquals(q.chatTemplate(), q.chatTemplates().get("default"));

        TokenizerConfig l = TestTokenizers.llama3().config();
        assertEquals("<|begin_of_text|>", l.bosToken());
        assertEquals("<|end_of_text|>", l.eosToken());
        assertNull(l.padToken());
        assertEquals(Long.MAX_VALUE, l.modelMaxLength(), "1e30 is HF's 'no limit'");
        assertTrue(l.chatTemplate().contains("<|start_header_id|>"));
    }

    @Test
    void configTokenObjectsTemplateListsAndJinjaFile() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Files.copy(TestTokenizers.qwen3Dir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": {"__type": "AddedToken", "content": "</s>"},
                 "pad_token": null, "add_bos_token": true, "model_max_length": 4096,
                 "chat_template": [{"name": "default", "template": "{{ messages }}"}, {"name": "tool_use", "template": "{{ tools }}"}]}""");
        TokenizerConfig c = Tokenizer.load(dir).config();
        assertEquals("<s>", c.bosToken());
        assertEquals("</s>", c.eosToken());
        assertNull(c.padToken());
        assertTrue(c.addBosToken());
        assertEquals(4096, c.modelMaxLength());
        assertEquals("{{ messages }}", c.chatTemplate());
        assertEquals("{{ tools }}", c.chatTemplates().get("tool_use"));
        assertTrue(c.chatTemplateNode().isArray());

        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|im_end|>\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "{% for m in messages %}{{ m.content }}{% endfor %}");
        TokenizerConfig j = Tokenizer.load(dir).config();
        assertEquals("{% for m in messages %}{{ m.content }}{% endfor %}", j.chatTemplate());
        assertEquals(Long.MAX_VALUE, j.modelMaxLength());

        Files.delete(dir.resolve("tokenizer_config.json"));
        Files.delete(dir.resolve("chat_template.jinja"));
        TokenizerConfig none = Tokenizer.load(dir).config();
        assertNull(none.eosToken());
        assertNull(none.chatTemplate());
        assertTrue(none.chatTemplates().isEmpty());
    }

    @Test
    void malformedConfigIsAClearError() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        Files.copy(TestTokenizers.qwen3Dir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": ");
        assertOneLineMentioning(assertThrows(TokenizerException.class, () -> Tokenizer.load(dir)), "tokenizer_config.json");
    }
}
