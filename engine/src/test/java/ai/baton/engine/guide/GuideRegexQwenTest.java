package ai.baton.engine.guide;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.baton.engine.Fixtures;
import ai.baton.engine.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regex guides over the real Qwen3 and Llama 3 vocabularies: the trie walk against brute force (each token's
 * bytes fed one by one), and random guided generations checked with java.util.regex.
 */
class GuideRegexQwenTest {
    @BeforeAll
    static void load() { GuideQwenTest.load(); }

    static final List<String> REGEXES = List.of(
            "(yes|no|maybe)", "\\d{3}-\\d{3}-\\d{4}", "[A-Z][a-z]{2,8}( [A-Z][a-z]{2,8}){0,2}", "[a-z]{1,8}@[a-z]{1,8}\\.(com|org)",
            "(\\+|-)?\\d+(\\.\\d{1,3})?", "[^\\n]{1,40}", "(ab|é|😀|中文)+!", "\\{\"k\": \"[^\"\\\\]{0,10}\"\\}",
            "[\\s\\S]{0,30}\\.", "Answer: [A-D]\\.\\n");

    @Test
    void randomRegexOutputsFullyMatch() {
        for (String regex : REGEXES) {
            Guide g = Guide.compile(GuideSpec.regex(regex));
            Pattern reference = Pattern.compile(regex, Pattern.UNIX_LINES);
            int finished = 0;
            for (int run = 0; run < 40; run++) {
                byte[] out = GuideQwenTest.generate(g, new Random(run * 31L + regex.hashCode()), 120);
                if (out == null) continue;
                finished++;
                String text = new String(out, StandardCharsets.UTF_8);
                assertArrayEquals(out, text.getBytes(StandardCharsets.UTF_8), "valid UTF-8");
                assertTrue(reference.matcher(text).matches(), () -> regex + " does not match " + GuideRegexTest.escape(text));
            }
            assertTrue(finished >= 20, "only " + finished + " of 40 runs finished for " + regex);
        }
    }

    @Test
    void trieWalkEqualsBruteForceOnQwen() {
        assertWalkExact(GuideQwenTest.vocab, cases());
    }

    @Test
    void trieWalkEqualsBruteForceOnLlama() {
        Tokenizer t = Tokenizer.load(Fixtures.dir().resolve("tokenizers/llama3"));
        GuideVocabulary vocab = GuideVocabulary.of(t, t.vocabSize(), Set.of(t.tokenId("<|eot_id|>").orElseThrow()));
        assertWalkExact(vocab, cases());
    }

    /** {guide, prefix}: states at the start, partway, inside a character, where the match may end or must end. */
    static Object[][] cases() {
        Guide phone = Guide.compile(GuideSpec.regex("\\d{3}-\\d{3}-\\d{4}"));
        Guide free = Guide.compile(GuideSpec.regex("[^\\n]{1,40}"));
        Guide any = Guide.compile(GuideSpec.regex(".*"));
        Guide words = Guide.compile(GuideSpec.regex("(ab|é|😀|中文)+!"));
        Guide choice = Guide.compile(GuideSpec.regex("(yes|no|maybe)"));
        Guide noTags = Guide.compile(GuideSpec.regex("[^<>]*"));
        return new Object[][] {
                {phone, ""}, {phone, "12"}, {phone, "123-"}, {phone, "123-456-789"}, {phone, "123-456-7890"},
                {free, ""}, {free, "hello"}, {free, "x".repeat(38)}, {free, "中"}, {any, ""}, {any, "abc"},
                {words, ""}, {words, "ab"}, {words, "中"}, {words, "ab😀!"}, {choice, ""}, {choice, "m"}, {choice, "no"},
                {noTags, ""}, {noTags, "Hello "},
        };
    }

    static void assertWalkExact(GuideVocabulary vocab, Object[][] cases) {
        for (int i = 0; i < cases.length; i++) {
            Object[] c = cases[i];
            int index = i;
            GuideState s = ((Guide) c[0]).start();
            String prefix = (String) c[1];
            byte[] bytes = prefix.getBytes(StandardCharsets.UTF_8);
            if (prefix.equals("中")) bytes = java.util.Arrays.copyOf(bytes, 2); // inside a character
            assertTrue(s.acceptBytes(bytes), prefix);
            long[] fast = MaskReference.fast(s, vocab);
            assertArrayEquals(MaskReference.bruteForce(s, vocab), fast, () -> "mask differs in case " + index + " at " + prefix);
            assertFalse(MaskReference.ids(fast).isEmpty(), prefix);
        }
    }
}
