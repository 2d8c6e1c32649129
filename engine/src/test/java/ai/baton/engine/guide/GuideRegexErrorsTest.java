package ai.baton.engine.guide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Regular expressions the compiler must refuse, each naming the construct and where it is. */
class GuideRegexErrorsTest {
    static String error(String regex) {
        return assertThrows(GuideException.class, () -> Guide.compile(GuideSpec.regex(regex))).getMessage();
    }

    @Test
    void constructsThatAreNotRegularAreNamedWithTheirOffset() {
        assertEquals("regex: backreference \\1 at offset 4 is not supported", error("(a+)\\1"));
        assertEquals("regex: backreference \\k at offset 8 is not supported", error("(?<x>a)b\\k<x>"));
        assertEquals("regex: backreference (?P= at offset 8 is not supported", error("(?P<x>a)(?P=x)"));
        assertEquals("regex: lookahead (?= at offset 1 is not supported", error("a(?=b)"));
        assertEquals("regex: lookahead (?! at offset 0 is not supported", error("(?!a)b"));
        assertEquals("regex: lookbehind (?<= at offset 0 is not supported", error("(?<=a)b"));
        assertEquals("regex: lookbehind (?<! at offset 2 is not supported", error("ab(?<!a)"));
        assertEquals("regex: inline flags or group construct (?i at offset 0 is not supported", error("(?i)abc"));
        assertEquals("regex: atomic group (?> at offset 0 is not supported", error("(?>a)"));
        assertEquals("regex: word boundary \\b at offset 0 is not supported", error("\\bword\\b"));
        assertEquals("regex: anchor \\A at offset 0 is not supported", error("\\Aabc"));
        assertEquals("regex: anchor \\z at offset 3 is not supported", error("abc\\z"));
        assertEquals("regex: Unicode property class \\p at offset 0 is not supported", error("\\p{L}+"));
        assertEquals("regex: possessive quantifier '+' at offset 2 is not supported", error("a*+"));
        assertEquals("regex: octal escape at offset 0 is not supported", error("\\012"));
        assertEquals("regex: POSIX class [: at offset 1 is not supported", error("[[:alpha:]]"));
    }

    @Test
    void anchorsOnlyAtTheEnds() {
        String tail = " (the whole output must match anyway)";
        assertEquals("regex: anchor '^' at offset 1 is only supported at the start of the pattern or of a top-level alternative" + tail, error("a^b"));
        assertEquals("regex: anchor '^' at offset 1 is only supported at the start of the pattern or of a top-level alternative" + tail, error("(^a)"));
        assertEquals("regex: anchor '$' at offset 1 is only supported at the end of the pattern or of a top-level alternative" + tail, error("a$b"));
        assertEquals("regex: anchor '$' at offset 2 is only supported at the end of the pattern or of a top-level alternative" + tail, error("(a$)"));
        assertEquals("regex: anchor '$' at offset 1 is only supported at the end of the pattern or of a top-level alternative" + tail, error("a$*"));
        assertEquals("regex: anchor '^' at offset 3 is only supported at the start of the pattern or of a top-level alternative" + tail, error("a\\|^"));
        GuideRegexTest.output("^a|b$");
        GuideRegexTest.output("^a$|^b$|c");
    }

    @Test
    void malformedPatterns() {
        assertEquals("regex: missing ')' for the group opened at offset 1", error("a(bc"));
        assertEquals("regex: unbalanced parenthesis ')' at offset 2", error("ab)"));
        assertEquals("regex: missing ']' for the character class opened at offset 0", error("[abc"));
        assertEquals("regex: nothing to repeat before '*' at offset 0", error("*a"));
        assertEquals("regex: nothing to repeat before '+' at offset 3", error("(a|+)"));
        assertEquals("regex: nothing to repeat before '{' at offset 0", error("{2}"));
        assertEquals("regex: multiple repeat at offset 2 (group the repeated part first)", error("a**"));
        assertEquals("regex: bad range z-a at offset 1 (its end is below its start)", error("[z-a]"));
        assertEquals("regex: bad range at offset 1 (a class shorthand cannot end a range)", error("[a-\\d]"));
        assertEquals("regex: repetition {3,2} at offset 1 has its maximum below its minimum", error("a{3,2}"));
        assertEquals("regex: unknown escape \\q at offset 0", error("\\q"));
        assertEquals("regex: the pattern ends with a lone backslash", error("ab\\"));
        assertEquals("regex: bad escape \\x at offset 0 (needs 2 hex digits)", error("\\xZZ"));
        assertEquals("regex: lone surrogate escape at offset 0 (no UTF-8 encodes it)", error("\\uD800"));
        assertEquals("regex: bad group name at offset 3", error("(?<1x>a)"));
        assertEquals("regex: the pattern matches nothing", error("[^\\s\\S]"));
    }

    @Test
    void hugeRepetitionsAndAutomataAreRefused() {
        assertEquals("regex: repetition count 1001 at offset 1 is more than the 1000 supported", error("a{1001}"));
        assertEquals("regex: repetition count 99999999999 at offset 1 is more than the 1000 supported", error("a{2,99999999999}"));
        String blowup = error("(a|b)*a(a|b){20}");
        assertEquals("regex: regex too complex (its automaton would need more than 10000 states)", blowup);
        assertTrue(error("((a{1000}){1000}){1000}").contains("regex too complex"));
        Guide.compile(GuideSpec.regex("[a-z]{1000}"));
        Guide.compile(GuideSpec.regex(".{0,1000}"));
    }

    @Test
    void aNullRegexIsABadSpec() {
        assertThrows(GuideException.class, () -> GuideSpec.regex(null));
    }
}
