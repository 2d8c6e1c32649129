package ai.baton.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * More HF reference cases (hf-extra.json, produced with HF tokenizers 0.23 / transformers 5.17 by
 * gen_hf_extra.py): hard and random strings, arbitrary id streams to decode, and variants of the real
 * tokenizers that exercise added-token flags, add_prefix_space, GPT-2's regex and TemplateProcessing.
 */
class HfExtraCasesTest {
    private static final JsonNode EXTRA = TestTokenizers.hfExtra();

    @TempDir
    static Path tmp;

    @TestFactory
    List<DynamicTest> realTokenizers() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : List.of("qwen3", "llama3")) {
            JsonNode cases = EXTRA.get(name);
            tests.add(DynamicTest.dynamicTest(name + " encode (" + cases.get("encode").size() + " texts)",
                    () -> checkEncode(TestTokenizers.byName(name), cases.get("encode"))));
            tests.add(DynamicTest.dynamicTest(name + " decode (" + cases.get("decode").size() + " id streams)", () -> {
                Tokenizer tok = TestTokenizers.byName(name);
                for (JsonNode c : cases.get("decode")) {
                    int[] ids = TestTokenizers.ints(c.get("ids"));
                    assertEquals(c.get("text").asText(), tok.decode(ids), () -> "decode " + c.get("ids"));
                    assertEquals(c.get("text_skip").asText(), tok.decode(ids, true), () -> "decode skipping specials " + c.get("ids"));
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> variants() {
        List<DynamicTest> tests = new ArrayList<>();
        tests.add(variant("qwen3_flags", TestTokenizers.qwen3Dir(), j -> {
            setFlags(j, "<think>", "lstrip");
            setFlags(j, "</think>", "rstrip");
            setFlags(j, "<tool_call>", "single_word");
            setFlags(j, "</tool_call>", "single_word", "lstrip", "rstrip");
            setFlags(j, "<|fim_prefix|>", "normalized");
            setFlags(j, "<|fim_middle|>", "normalized", "special");
        }));
        tests.add(variant("qwen3_prefix", TestTokenizers.qwen3Dir(),
                j -> ((ObjectNode) j.get("pre_tokenizer").get("pretokenizers").get(1)).put("add_prefix_space", true)));
        tests.add(variant("llama3_gpt2", TestTokenizers.llama3Dir(), j -> {
            ObjectNode bl = j.objectNode().put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
            j.set("pre_tokenizer", bl);
        }));
        tests.add(variant("llama3_template", TestTokenizers.llama3Dir(), j -> {
            try {
                j.set("post_processor", TestTokenizers.MAPPER.readTree("""
                        {"type":"Sequence","processors":[
                          {"type":"ByteLevel","add_prefix_space":true,"trim_offsets":false,"use_regex":true},
                          {"type":"TemplateProcessing",
                           "single":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}}],
                           "pair":[{"SpecialToken":{"id":"<|begin_of_text|>","type_id":0}},{"Sequence":{"id":"A","type_id":0}},
                                   {"SpecialToken":{"id":"<|begin_of_text|>","type_id":1}},{"Sequence":{"id":"B","type_id":1}}],
                           "special_tokens":{"<|begin_of_text|>":{"id":"<|begin_of_text|>","ids":[128000],"tokens":["<|begin_of_text|>"]}}}]}"""));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }));
        tests.add(variant("llama3_noignore", TestTokenizers.llama3Dir(), j -> ((ObjectNode) j.get("model")).put("ignore_merges", false)));
        return tests;
    }

    private static DynamicTest variant(String name, Path sourceDir, Consumer<ObjectNode> edit) {
        JsonNode cases = EXTRA.get("variants").get(name);
        return DynamicTest.dynamicTest("variant " + name + " (" + cases.size() + " texts)", () -> {
            ObjectNode json = (ObjectNode) TestTokenizers.readJson(sourceDir.resolve("tokenizer.json"));
            edit.accept(json);
            Path dir = Files.createDirectories(tmp.resolve(name));
            TestTokenizers.MAPPER.writeValue(dir.resolve("tokenizer.json").toFile(), json);
            checkEncode(Tokenizer.load(dir), cases);
        });
    }

    private static void setFlags(ObjectNode json, String content, String... flags) {
        for (JsonNode t : (ArrayNode) json.get("added_tokens")) {
            if (t.get("content").asText().equals(content)) {
                for (String f : flags) ((ObjectNode) t).put(f, true);
                return;
            }
        }
        throw new IllegalArgumentException(content);
    }

    static void checkEncode(Tokenizer tok, JsonNode cases) {
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            String label = HfFixturesTest.abbreviate(text);
            int[] ids = TestTokenizers.ints(c.get("ids"));
            int[] idsSpecial = TestTokenizers.ints(c.get("ids_special"));
            assertArrayEquals(ids, tok.encode(text), () -> "ids of '" + label + "'");
            assertArrayEquals(idsSpecial, tok.encode(text, true), () -> "ids with special tokens of '" + label + "'");
            assertEquals(c.get("decoded").asText(), tok.decode(ids), () -> "decode of '" + label + "'");
            assertEquals(c.get("decoded_skip").asText(), tok.decode(idsSpecial, true), () -> "decode skipping specials of '" + label + "'");
        }
    }
}
