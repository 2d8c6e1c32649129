package ai.baton.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IncrementalDecoderTest {

    /** Streams ids one at a time; checks every piece is whole text and the pieces add up to decode(ids). */
    private static void assertStreamsLikeDecode(Tokenizer tok, int[] ids, boolean skipSpecial) {
        IncrementalDecoder dec = tok.newDecoder(skipSpecial);
        String full = tok.decode(ids, skipSpecial);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String piece = dec.next(id);
            assertWholeCharacters(piece);
            // a piece never shows a replacement character that the full decode does not have at that place
            assertTrue(full.startsWith(sb.toString() + piece), () -> "streamed text diverges from decode at " + sb.length());
            sb.append(piece);
        }
        sb.append(dec.flush());
        assertEquals(full, sb.toString());
        assertFalse(dec.hasPending());
    }

    private static void assertWholeCharacters(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertTrue(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)), "split surrogate pair");
                i++;
            } else {
                assertFalse(Character.isLowSurrogate(c), "lone low surrogate");
            }
        }
    }

    @Test
    void qwen3TextTinyStreams() {
        JsonNode expected = TestTokenizers.readJson(TestTokenizers.fixtures().resolve("qwen3-text-tiny/expected.json"));
        Tokenizer tok = TestTokenizers.qwen3();
        for (JsonNode c : expected.get("cases")) {
            int[] prompt = TestTokenizers.ints(c.get("prompt_ids"));
            int[] greedy = TestTokenizers.ints(c.get("greedy_ids"));
            assertStreamsLikeDecode(tok, greedy, false);
            assertStreamsLikeDecode(tok, concat(prompt, greedy), false);
            assertStreamsLikeDecode(tok, concat(prompt, greedy), true);
            // the model's output as streamed equals the reference text
            IncrementalDecoder dec = tok.newDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : greedy) sb.append(dec.next(id));
            sb.append(dec.flush());
            assertEquals(c.get("greedy_text").asText(), sb.toString());
        }
    }

    @Test
    void fixtureEncodingsStreamBack() {
        JsonNode expected = TestTokenizers.readJson(TestTokenizers.fixtures().resolve("tokenizers/expected.json"));
        for (String name : List.of("qwen3", "llama3")) {
            Tokenizer tok = TestTokenizers.byName(name);
            for (JsonNode c : expected.get(name).get("encode")) assertStreamsLikeDecode(tok, TestTokenizers.ints(c.get("ids")), false);
            for (JsonNode c : expected.get(name).get("chat")) assertStreamsLikeDecode(tok, TestTokenizers.ints(c.get("ids")), true);
        }
    }

    @Test
    void emojiSplitAcrossByteTokensWaitsForTheWholeCharacter() {
        Tokenizer tok = TestTokenizers.llama3();
        // Llama 3 spells 🎉 as three byte tokens: 9468 ("ðŁ"), 236 ("İ"), 231 ("ī")
        int[] ids = tok.encode("🎉");
        assertTrue(ids.length > 1, "🎉 should need several tokens in Llama 3");
        IncrementalDecoder dec = tok.newDecoder();
        List<String> pieces = new ArrayList<>();
        for (int id : ids) pieces.add(dec.next(id));
        for (int i = 0; i < pieces.size() - 1; i++) assertEquals("", pieces.get(i), "no partial emoji");
        assertEquals("🎉", pieces.getLast());
        assertEquals("", dec.flush());
    }

    @Test
    void cjkAndEmojiTextStreams() {
        for (String name : List.of("qwen3", "llama3")) {
            Tokenizer tok = TestTokenizers.byName(name);
            String text = "混合テキスト 🇫🇷👍🏽 한국어 العربية 😀🎉 中文测试：你好，世界！ 𝐀𝐁 ";
            int[] ids = tok.encode(text);
            assertStreamsLikeDecode(tok, ids, false);
            IncrementalDecoder dec = tok.newDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                String piece = dec.next(id);
                assertFalse(piece.contains("\uFFFD"), "valid text never streams a replacement character");
                sb.append(piece);
            }
            assertEquals(text, sb.append(dec.flush()).toString());
        }
    }

    @Test
    void randomIdStreamsIncludingInvalidUtf8() {
        Random rnd = new Random(42);
        for (String name : List.of("qwen3", "llama3")) {
            Tokenizer tok = TestTokenizers.byName(name);
            for (int n = 0; n < 300; n++) {
                int[] ids = new int[1 + rnd.nextInt(20)];
                for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(3) == 0 ? rnd.nextInt(tok.vocabSize()) : rnd.nextInt(256);
                assertStreamsLikeDecode(tok, ids, n % 2 == 0);
            }
            for (JsonNode c : TestTokenizers.hfExtra().get(name).get("decode")) assertStreamsLikeDecode(tok, TestTokenizers.ints(c.get("ids")), false);
        }
    }

    @Test
    void flushTurnsAnIncompleteCharacterIntoReplacement() {
        Tokenizer tok = TestTokenizers.llama3();
        int[] ids = tok.encode("🎉");
        IncrementalDecoder dec = tok.newDecoder();
        assertEquals("", dec.next(ids[0]));
        assertTrue(dec.hasPending());
        assertEquals(tok.decode(new int[] {ids[0]}), dec.flush());
        assertEquals("\uFFFD", tok.decode(new int[] {ids[0]}));
    }

    @Test
    void skipsSpecialTokensWhenAsked() {
        Tokenizer tok = TestTokenizers.qwen3();
        int[] ids = tok.encode("<|im_start|>user\nhi<|im_end|>");
        IncrementalDecoder dec = tok.newDecoder(true);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(dec.next(id));
        assertEquals("user\nhi", sb.append(dec.flush()).toString());
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
