package ai.baton.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The shared HF reference fixtures: tokenizers/expected.json and qwen3-text-tiny/expected.json. */
class HfFixturesTest {

    @TestFactory
    List<DynamicTest> encodeAndDecodeMatchHf() {
        JsonNode expected = TestTokenizers.readJson(TestTokenizers.fixtures().resolve("tokenizers/expected.json"));
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : List.of("qwen3", "llama3")) {
            int i = 0;
            for (JsonNode c : expected.get(name).get("encode")) {
                String text = c.get("text").asText();
                tests.add(DynamicTest.dynamicTest(name + " encode #" + i++ + " " + abbreviate(text), () -> {
                    Tokenizer tok = TestTokenizers.byName(name);
                    int[] ids = TestTokenizers.ints(c.get("ids"));
                    assertArrayEquals(ids, tok.encode(text), "ids of " + text);
                    assertEquals(c.get("decoded").asText(), tok.decode(ids), "decode of " + text);
                }));
            }
            i = 0;
            for (JsonNode c : expected.get(name).get("chat")) {
                tests.add(DynamicTest.dynamicTest(name + " chat #" + i++, () -> {
                    Tokenizer tok = TestTokenizers.byName(name);
                    String rendered = c.get("rendered").asText();
                    int[] ids = TestTokenizers.ints(c.get("ids"));
                    assertArrayEquals(ids, tok.encode(rendered, false));
                    assertEquals(rendered, tok.decode(ids));
                }));
            }
        }
        assertTrue(tests.size() >= 56, "expected.json should hold 26 encode + 2 chat cases per tokenizer");
        return tests;
    }

    @TestFactory
    List<DynamicTest> qwen3TextTinyPromptsAndGreedyText() {
        JsonNode expected = TestTokenizers.readJson(TestTokenizers.fixtures().resolve("qwen3-text-tiny/expected.json"));
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (JsonNode c : expected.get("cases")) {
            String kind = c.get("kind").asText();
            tests.add(DynamicTest.dynamicTest("qwen3-text-tiny " + kind + " #" + i++, () -> {
                Tokenizer tok = textTiny();
                String prompt = c.get("prompt_text").asText();
                int[] promptIds = TestTokenizers.ints(c.get("prompt_ids"));
                // completion prompts used HF's default special-token handling; chat prompts added none
                assertArrayEquals(promptIds, tok.encode(prompt, !kind.equals("chat")));
                assertEquals(prompt, tok.decode(promptIds));
                assertEquals(c.get("greedy_text").asText(), tok.decode(TestTokenizers.ints(c.get("greedy_ids"))));
            }));
        }
        return tests;
    }

    private static Tokenizer textTiny() {
        return TextTinyHolder.TOKENIZER;
    }

    private static final class TextTinyHolder {
        static final Tokenizer TOKENIZER = Tokenizer.load(TestTokenizers.fixtures().resolve("qwen3-text-tiny"));
    }

    static String abbreviate(String s) {
        String oneLine = s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        return oneLine.length() > 40 ? oneLine.substring(0, 40) + "…" : oneLine;
    }
}
