package ai.baton.engine.guide;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Exact masks over a small hand-made vocabulary. */
class GuideMaskTest {
    static final int EOS = 15, SPECIAL = 16, NO_BYTES = 18, C3 = 20, A9 = 21;
    static final byte[][] TOKENS = {
            b("{"), b("{\""), b("\""), b("\":"), b("\"},{\""), b("}"), b("}\n"), b("a"), b("1"), b(","),
            b(":"), b("\"}"), b(" "), b("  "), b("   "), b("<|eos|>"), b("<special>"), b("ab\""), null, b("é"),
            {(byte) 0xC3}, {(byte) 0xA9}, b("["), b("]"), b("\"a\":"), b("\\"), b("\n"), b("12"), b("1."), b("a"),
            b("b"),
    };
    static final GuideVocabulary VOCAB;
    static {
        boolean[] special = new boolean[TOKENS.length];
        special[SPECIAL] = true;
        special[EOS] = true;
        VOCAB = GuideVocabulary.of(TOKENS, special, Set.of(EOS));
    }

    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    static GuideState at(Guide guide, String prefix) {
        GuideState s = guide.start();
        assertTrue(s.acceptBytes(b(prefix)), prefix);
        return s;
    }

    static Set<Integer> allowed(GuideState s) {
        long[] fast = MaskReference.fast(s, VOCAB);
        assertArrayEquals(MaskReference.bruteForce(s, VOCAB), fast, "trie walk differs from token-by-token check");
        return MaskReference.ids(fast);
    }

    static final Guide OBJECT = Guide.compile(GuideSpec.jsonObject());

    @Test
    void atTheStartOnlyTokensOpeningAnObject() {
        assertEquals(Set.of(0, 1), allowed(OBJECT.start()));
    }

    @Test
    void afterTheBraceTokensSpanningSeveralElementsCount() {
        // '"},{"' is a key "},{" closed; '":' a key starting with ':'; '"}' a key starting with '}'.
        assertEquals(Set.of(2, 3, 4, 5, 11, 12, 13, 24, 26), allowed(at(OBJECT, "{")));
    }

    @Test
    void insideANumberTheValueMayGoOnOrEnd() {
        assertEquals(Set.of(5, 8, 9, 12, 13, 26, 27, 28), allowed(at(OBJECT, "{\"a\":1")));
        GuideState s = at(OBJECT, "{\"a\":1");
        assertFalse(s.accept(VOCAB, 6), "'}\\n' ends the value and then adds whitespace");
        assertTrue(s.accept(VOCAB, 5));
        assertTrue(s.isComplete());
    }

    @Test
    void insideAStringEverySafeTokenAndThoseThatCloseItCleanly() {
        assertEquals(Set.of(0, 1, 2, 5, 7, 8, 9, 10, 11, 12, 13, 14, 17, 19, C3, 22, 23, 25, 27, 28, 29, 30),
                allowed(at(OBJECT, "{\"a\":\"x")));
        GuideState mid = at(OBJECT, "{\"a\":\"x");
        assertTrue(mid.accept(VOCAB, C3));
        assertEquals(Set.of(A9), allowed(mid));
    }

    @Test
    void onceCompleteOnlyEosAndEosNotBefore() {
        GuideState done = at(OBJECT, "{\"a\":\"x\"}");
        assertTrue(done.isComplete());
        assertEquals(Set.of(EOS), allowed(done));
        GuideState open = at(OBJECT, "{\"a\":\"x\"");
        assertFalse(open.accept(VOCAB, EOS));
        assertTrue(done.accept(VOCAB, EOS));
    }

    @Test
    void specialTokensAndIdsWithoutBytesAreNeverAllowed() {
        for (String prefix : List.of("", "{", "{\"a\":\"", "{\"a\":1")) {
            GuideState s = at(OBJECT, prefix);
            Set<Integer> ids = allowed(s);
            assertFalse(ids.contains(SPECIAL));
            assertFalse(ids.contains(NO_BYTES));
            assertFalse(s.accept(VOCAB, SPECIAL));
            assertFalse(s.accept(VOCAB, NO_BYTES));
            assertFalse(s.accept(VOCAB, 999));
        }
    }

    @Test
    void schemaKeysOnlyAllowTheListedNames() {
        Guide g = Guide.compile(GuideSpec.jsonSchema("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},\"required\":[\"a\"]}"));
        assertEquals(Set.of(2, 12, 13, 24, 26), allowed(at(g, "{")));
        assertEquals(Set.of(7, 29), allowed(at(g, "{\"")));
        assertEquals(Set.of(5, 8, 12, 13, 26, 27), allowed(at(g, "{\"a\":1")));
    }

    @Test
    void choicesWithPrefixesAllowEosAndTheLongerChoice() {
        Guide g = Guide.compile(GuideSpec.choice(List.of("a", "ab")));
        assertEquals(Set.of(7, 29), allowed(g.start()));
        assertEquals(Set.of(EOS, 30), allowed(at(g, "a")));
        assertEquals(Set.of(EOS), allowed(at(g, "ab")));
    }

    @Test
    void theMaskClearsStaleBitsAndChecksItsLength() {
        long[] mask = new long[VOCAB.maskWords()];
        java.util.Arrays.fill(mask, -1L);
        OBJECT.start().allowedTokens(VOCAB, mask);
        assertEquals(Set.of(0, 1), MaskReference.ids(mask));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> OBJECT.start().allowedTokens(VOCAB, new long[0]));
    }
}
