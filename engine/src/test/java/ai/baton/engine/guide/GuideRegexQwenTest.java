package ai.baton.engine.guide;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.baton.engine.Fixtures;
import ai.baton.engine.tokenizer.Tokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regex guides and schema patterns over the real Qwen3 and Llama 3 vocabularies: the trie walk against brute force
 * (each token's bytes fed one by one), and random guided generations checked with java.util.regex and, for
 * schemas, parsed as JSON and checked by {@link SchemaConformance} (patterns and formats included).
 */
class GuideRegexQwenTest {
    @BeforeAll
    static void load() { GuideQwenTest.load(); }

    static final List<String> REGEXES = List.of(
            "(yes|no|maybe)", "\\d{3}-\\d{3}-\\d{4}", "[A-Z][a-z]{2,8}( [A-Z][a-z]{2,8}){0,2}", "[a-z]{1,8}@[a-z]{1,8}\\.(com|org)",
            "(\\+|-)?\\d+(\\.\\d{1,3})?", "[^\\n]{1,40}", "(ab|é|😀|中文)+!", "\\{\"k\": \"[^\"\\\\]{0,10}\"\\}",
            "[\\s\\S]{0,30}\\.", "Answer: [A-D]\\.\\n");

    static final String PATTERNED = """
            {"type":"object","properties":{
              "id":{"type":"string","pattern":"^[A-Z]{2}-\\\\d{4}$"},
              "when":{"type":"string","format":"date-time"},
              "day":{"type":"string","format":"date"},
              "uuid":{"type":"string","format":"uuid"},
              "ip":{"type":"string","format":"ipv4"},
              "ip6":{"type":"string","format":"ipv6"},
              "mail":{"type":"string","format":"email"},
              "quote":{"type":"string","pattern":"[a-z \\"\\\\\\\\]{1,12}"},
              "note":{"type":"string","pattern":"[^<>]*","minLength":2,"maxLength":8}},
             "required":["id","when","day","uuid","ip","ip6","mail","quote","note"],"additionalProperties":false}""";
    static final String TAGS = """
            {"type":"array","items":{"anyOf":[{"type":"string","pattern":"#[a-z]{1,6}"},{"type":"string","format":"time"},{"type":"null"}]},"minItems":1,"maxItems":3}""";

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
    void randomOutputsOfSchemasWithPatternsAndFormatsConform() throws JsonProcessingException {
        for (String schema : List.of(PATTERNED, TAGS)) {
            Guide g = Guide.compile(GuideSpec.jsonSchema(schema));
            SchemaConformance check = new SchemaConformance(GuideQwenTest.STRICT.readTree(schema));
            int finished = 0;
            for (int run = 0; run < 40; run++) {
                byte[] out = GuideQwenTest.generate(g, new Random(run * 7L + schema.length()), 400);
                if (out == null) continue;
                finished++;
                String text = new String(out, StandardCharsets.UTF_8);
                JsonNode value = GuideQwenTest.STRICT.readTree(text);
                assertTrue(check.conforms(value), () -> "does not conform to " + schema + ": " + text);
            }
            assertTrue(finished >= 20, "only " + finished + " of 40 runs finished for " + schema);
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
        Guide patterned = Guide.compile(GuideSpec.jsonSchema(PATTERNED));
        Guide tags = Guide.compile(GuideSpec.jsonSchema(TAGS));
        Guide loose = Guide.compile(GuideSpec.jsonSchema("{\"type\":\"string\",\"pattern\":\"[\\\\s\\\\S]*\"}"));
        Guide bounded = Guide.compile(GuideSpec.jsonSchema("{\"type\":\"string\",\"pattern\":\".*\",\"maxLength\":5}"));
        Guide noTags = Guide.compile(GuideSpec.regex("[^<>]*"));
        Guide noDigits = Guide.compile(GuideSpec.jsonSchema("{\"type\":\"string\",\"pattern\":\"[^0-9]+\",\"maxLength\":60}"));
        return new Object[][] {
                {phone, ""}, {phone, "12"}, {phone, "123-"}, {phone, "123-456-789"}, {phone, "123-456-7890"},
                {free, ""}, {free, "hello"}, {free, "x".repeat(38)}, {free, "中"}, {any, ""}, {any, "abc"},
                {words, ""}, {words, "ab"}, {words, "中"}, {words, "ab😀!"}, {choice, ""}, {choice, "m"}, {choice, "no"},
                {patterned, "{\"id\":\""}, {patterned, "{\"id\":\"AB-12"}, {patterned, "{\"id\":\"AB-1234\""},
                {patterned, "{\"id\":\"AB-1234\",\"when\":\"2024-05-01T1"}, {patterned, "{\"id\":\"AB-1234\",\"when\":\"2024-05-01T12:00:00Z\",\"day\":\""},
                {tags, "["}, {tags, "[\"#ab"}, {tags, "[\"12:00:00"}, {tags, "[null, \"#"},
                {loose, "\""}, {loose, "\"abc"}, {loose, "\"abc\\"}, {loose, "\"中"},
                {bounded, "\""}, {bounded, "\"ab"}, {bounded, "\"abcde"}, {noTags, ""}, {noTags, "Hello "},
                {noDigits, "\""}, {noDigits, "\"Dear Ada"}, {noDigits, "\"" + "x".repeat(50)},
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
            if (prefix.equals("\"中")) bytes = java.util.Arrays.copyOf(bytes, 3);
            assertTrue(s.acceptBytes(bytes), prefix);
            long[] fast = MaskReference.fast(s, vocab);
            assertArrayEquals(MaskReference.bruteForce(s, vocab), fast, () -> "mask differs in case " + index + " at " + prefix);
            assertFalse(MaskReference.ids(fast).isEmpty(), prefix);
        }
    }
}
