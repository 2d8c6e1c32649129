package ai.baton.engine.guide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The regex DFA against java.util.regex as the reference: full matches agree on random strings over each pattern's
 * alphabet (ASCII, non-ASCII, emoji, control characters), on the DFA's own random matches and on their mutations;
 * the same for JSON string content. Java reads the patterns with UNIX_LINES, so that '.' excludes only '\n' as here.
 */
class GuideRegexTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Patterns that java.util.regex reads the same way (Python syntax where the two agree). */
    static final List<String> PATTERNS = List.of(
            "", "abc", "a|b|", "(ab|cd)*e?", "[a-z]+@[a-z]+\\.(com|org)", "\\d{3}-\\d{4}", "[^abc]*", "[^\\n]{0,5}x",
            ".*", ".+\\.", "(?:x|y){2,4}z{0,2}", "\\w+\\s\\W?\\S*", "[\\d\\s]*", "[^\\d\\w]+", "[é-ü中😀]+",
            "😀{2}|\\u00e9+", "[\\u0100-\\uFFFF]{1,3}", "[^\\u0000-\\u007F]+", "\\x41\\x{1F600}?", "^(a|bc)+$",
            "a*?b+?c??", "(?<year>\\d{4})-(?<m>0[1-9]|1[0-2])", "[-a]+[a-]*", "\\.\\\\\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$",
            "a{3}", "a{2,}", "(a{1,3}b){2}", "[\\s\\S]{2,3}", "x[^y]*y", "(ab)*(ba)*", "\\t\\n\\r\\f\\a\\e",
            "[\\x00-\\x1F]+", "[^\"\\\\]*", "\"[^\"]*\"", "[\\x{10000}-\\x{10FFFF}]+.", "(a|ab)(c|bcd)(d*)", "((a*)*b)*",
            "[a-f0-9]{8}-[a-f0-9]{4}", "(\\d+\\.){3}\\d+", "[\\w.+-]+@\\w+(\\.\\w+)+", "a{0,3}b{1,2}?", "(x?){3}y",
            "[ -~]{1,8}", "[^ -~]", "\\D\\W\\S", "[\\D]", "[^\\S ]+", "a.c", "(é|e\\u0301)+", "[\\u07FF\\u0800\\uFFFF]+",
            "(ab|a)(bc|c)?", "a(?:b|c)*?d", "\\{x\\}|\\{|\\}", "[{}]+", "[\\]\\[\\\\^-]+", "\\/\\-\\ ");

    static final String EXTRA = "aZ09_-. \n\t\r\"\\/é中😀\u0000\u001f\u007f\u0080\u07ff\u0800\uffff\u2028xyzbc@{}";

    static boolean javaMatches(String pattern, String s) { return Pattern.compile(pattern, Pattern.UNIX_LINES).matcher(s).matches(); }

    static ByteDfa output(String pattern) { return RegexRule.output(pattern, "regex").dfa; }

    static ByteDfa jsonString(String pattern) { return RegexRule.jsonString(pattern, 0, StringRule.UNBOUNDED, "pattern").dfa; }

    static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    /** Random strings of 0..12 code points over the pattern's own characters and some extra ones. */
    static List<String> randomStrings(String pattern, Random rnd, int count) {
        int[] alphabet = (pattern + EXTRA).codePoints().distinct().toArray();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(13);
            for (int j = 0; j < len; j++) {
                int cp = rnd.nextInt(10) == 0 ? randomCodePoint(rnd) : alphabet[rnd.nextInt(alphabet.length)];
                sb.appendCodePoint(cp);
            }
            out.add(sb.toString());
        }
        return out;
    }

    static int randomCodePoint(Random rnd) {
        while (true) {
            int cp = switch (rnd.nextInt(4)) {
                case 0 -> rnd.nextInt(0x80);
                case 1 -> rnd.nextInt(0x800);
                case 2 -> rnd.nextInt(0x10000);
                default -> rnd.nextInt(0x110000);
            };
            if (cp < 0xD800 || cp > 0xDFFF) return cp;
        }
    }

    /** A random full match drawn from the DFA (null if the walk ran long without stopping). */
    static String randomMatch(ByteDfa dfa, Random rnd) throws CharacterCodingException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int s = dfa.start;
        for (int step = 0; step < 60; step++) {
            if (dfa.accepting(s) && (dfa.terminal(s) || rnd.nextInt(4) == 0)) return strictUtf8(out.toByteArray());
            List<Integer> bytes = new ArrayList<>();
            for (int b = 0; b < 256; b++) if (dfa.next(s, b) >= 0) bytes.add(b);
            int b = bytes.get(rnd.nextInt(bytes.size()));
            out.write(b);
            s = dfa.next(s, b);
        }
        return null;
    }

    /** Decodes, failing on anything that is not valid UTF-8. */
    static String strictUtf8(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    }

    static String mutate(String s, Random rnd, int[] alphabet) {
        int[] cps = s.codePoints().toArray();
        StringBuilder sb = new StringBuilder();
        int at = cps.length == 0 ? 0 : rnd.nextInt(cps.length + 1);
        int kind = cps.length == 0 ? 0 : rnd.nextInt(3);
        for (int i = 0; i <= cps.length; i++) {
            if (i == at && kind == 0) sb.appendCodePoint(alphabet[rnd.nextInt(alphabet.length)]);
            if (i == cps.length) break;
            if (i == at && kind == 1) continue; // delete
            if (i == at && kind == 2) sb.appendCodePoint(alphabet[rnd.nextInt(alphabet.length)]); // replace
            else sb.appendCodePoint(cps[i]);
        }
        return sb.toString();
    }

    @Test
    void fullMatchesAgreeWithJavaRegex() throws CharacterCodingException {
        int checked = 0, positives = 0;
        for (String p : PATTERNS) {
            ByteDfa dfa = output(p);
            Random rnd = new Random(p.hashCode());
            int[] alphabet = (p + EXTRA).codePoints().distinct().toArray();
            List<String> samples = new ArrayList<>(randomStrings(p, rnd, 400));
            for (int i = 0; i < 150; i++) {
                String m = randomMatch(dfa, rnd);
                if (m == null) continue;
                assertTrue(javaMatches(p, m), () -> "the DFA of " + p + " matches " + escape(m) + ", java.util.regex does not");
                samples.add(m);
                samples.add(mutate(m, rnd, alphabet));
                samples.add(mutate(mutate(m, rnd, alphabet), rnd, alphabet));
            }
            for (String s : samples) {
                boolean expected = javaMatches(p, s);
                assertEquals(expected, dfa.matches(utf8(s)), () -> "pattern " + p + " on " + escape(s));
                checked++;
                if (expected) positives++;
            }
        }
        assertTrue(positives > checked / 10, positives + " matches of " + checked);
    }

    @Test
    void jsonStringContentAgreesWithJavaRegexAndStaysValidJson() throws JsonProcessingException, CharacterCodingException {
        for (String p : PATTERNS) {
            if (List.of("[\\x00-\\x1F]+", "\\t\\n\\r\\f\\a\\e", "[^\\S ]+").contains(p)) {
                String message = org.junit.jupiter.api.Assertions.assertThrows(GuideException.class, () -> jsonString(p)).getMessage();
                assertTrue(message.contains("control character"), message);
                continue;
            }
            ByteDfa dfa = jsonString(p);
            Random rnd = new Random(p.hashCode() * 31L);
            int[] alphabet = (p + EXTRA).codePoints().distinct().toArray();
            List<String> samples = new ArrayList<>(randomStrings(p, rnd, 300));
            for (int i = 0; i < 100; i++) {
                String m = randomMatch(dfa, rnd);
                if (m == null) continue;
                String content = JSON.readValue(m, String.class); // generated text is one valid JSON string
                assertEquals(m, JSON.writeValueAsString(content), "one spelling per character");
                assertTrue(javaMatches(p, content), () -> "the JSON DFA of " + p + " gives " + m);
                assertFalse(content.chars().anyMatch(c -> c < 0x20), m);
                samples.add(mutate(content, rnd, alphabet));
            }
            for (String s : samples) {
                boolean expected = javaMatches(p, s) && s.chars().noneMatch(c -> c < 0x20);
                String json = JSON.writeValueAsString(s); // Jackson escapes only '"', '\' and control characters
                assertEquals(expected, dfa.matches(utf8(json)), () -> "pattern " + p + " on JSON " + escape(json));
            }
        }
    }

    @Test
    void pythonSyntaxJavaLacksAndHandMadeCases() {
        Object[][] cases = {
                {"(?P<x>ab)+", "abab", true}, {"(?P<x>ab)+", "aba", false}, {"a{,2}", "", true}, {"a{,2}", "aa", true},
                {"a{,2}", "aaa", false}, {"\\v", "\u000b", true}, {"\\v", "\n", false}, {"\\0", "\u0000", true},
                {"[\\b]", "\b", true}, {"[]a]+", "]a]", true}, {"[^]a]", "b", true}, {"[^]a]", "]", false},
                {"\\u{1F600}", "😀", true}, {"\\U0001F600", "😀", true}, {"\\uD83D\\uDE00", "😀", true},
                {"x{", "x{", true}, {"a{,", "a{,", true}, {"x{2}{?", "xx", true}, {"x{2}{?", "xx{", true}, {".", "\n", false}, {".", "\r", true}, {".", "\u2028", true},
                {"[\\s]", "\u000b", true}, {"\\s", "\u00a0", false}, {"\\w", "é", false}, {"\\W", "é", true},
                {"\\d", "٣", false}, {"\\D", "٣", true}, {"^$", "", true}, {"^", "", true}, {"$", "", true}, {"^ab$|^c$", "ab", true}, {"^ab$|^c$", "c", true},
                {"^ab$|^c$", "abc", false},
        };
        for (Object[] c : cases) {
            String p = (String) c[0], s = (String) c[1];
            assertEquals(c[2], output(p).matches(utf8(s)), () -> p + " on " + escape(s));
        }
    }

    @Test
    void invalidUtf8IsNeverMatched() {
        ByteDfa any = output("[\\s\\S]*");
        for (int[] bad : new int[][] {{0xC0, 0x80}, {0xE0, 0x80, 0x80}, {0xED, 0xA0, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xF5}, {0x80}, {0xFF}, {0xC3}}) {
            byte[] b = new byte[bad.length];
            for (int i = 0; i < bad.length; i++) b[i] = (byte) bad[i];
            assertFalse(any.matches(b));
        }
        assertTrue(any.matches(utf8("é中😀\u0000")));
        assertEquals(-1, output("[^a]").next(output("[^a]").start, 0xF5));
    }

    @Test
    void automataAreMinimalAndWideStatesAreFound() {
        assertEquals(8, output("[\\s\\S]*").states, "one state per UTF-8 validator state");
        assertEquals(8, output(".*").states);
        assertEquals(4, output("abc").states);
        assertEquals(4, output("(a|b)(a|b)(a|b)").states);
        assertEquals(1001, output("a{1000}").states);
        ByteDfa any = output(".*");
        assertTrue(any.wideSet(any.start) >= 0);
        assertEquals(Integer.MAX_VALUE, any.safeDepth(any.start));
        assertEquals(1L << '\n' | 1L << '"' | 0xFFFFFFFFL, any.excludedLo(any.wideSet(any.start)), "'\\n', then what is never string-safe");
        assertEquals(-1, output("[a-f]*").wideSet(output("[a-f]*").start), "too few bytes to be worth it");
        assertTrue(output("[a-z]*").wideSet(output("[a-z]*").start) >= 0);
        ByteDfa line = output("[^\\n]{1,40}");
        assertEquals(39, line.safeDepth(line.start), "the 40th character ends the match");
        ByteDfa string = jsonString("[^<>]*");
        int content = string.next(string.start, '"');
        assertEquals(Integer.MAX_VALUE, string.safeDepth(content));
        assertTrue((string.excludedHi(string.wideSet(content)) >> ('<' - 64) & 1) == 0 && (string.excludedLo(string.wideSet(content)) >> '<' & 1) != 0);
        assertTrue(string.terminal(string.next(content, '"')));
    }

    static GuideState at(Guide g, String prefix) {
        GuideState s = g.start();
        assertTrue(s.acceptBytes(utf8(prefix)), prefix);
        return s;
    }

    @Test
    void aRegexGuideMayEndWhenItMatchesAndIsCompleteWhenNothingCanFollow() {
        Guide g = Guide.compile(GuideSpec.regex("ab|abc"));
        assertFalse(g.start().canEnd());
        assertFalse(at(g, "a").canEnd());
        assertTrue(at(g, "ab").canEnd());
        assertFalse(at(g, "ab").isComplete(), "c may still follow");
        assertTrue(at(g, "abc").isComplete());
        assertFalse(g.start().acceptBytes(utf8("abd")));
        assertFalse(at(g, "abc").acceptBytes(utf8("c")), "nothing after a complete match");
        assertTrue(Guide.compile(GuideSpec.regex("")).start().isComplete());
        assertTrue(Guide.compile(GuideSpec.regex("^$")).start().isComplete());
        GuideState star = Guide.compile(GuideSpec.regex("a*")).start();
        assertTrue(star.canEnd());
        assertFalse(star.isComplete());
    }

    @Test
    void aCharacterMaySplitAcrossTokensAndCopiesAreIndependent() {
        Guide g = Guide.compile(GuideSpec.regex("[😀é]{2}"));
        GuideState s = g.start();
        for (byte b : utf8("😀")) assertTrue(s.acceptBytes(new byte[] {b}));
        GuideState copy = s.copy();
        assertFalse(s.acceptBytes(new byte[] {(byte) 0xC3, 'x'}));
        assertTrue(s.acceptBytes(new byte[] {(byte) 0xC3}));
        assertFalse(s.canEnd(), "half a character");
        assertTrue(s.acceptBytes(new byte[] {(byte) 0xA9}));
        assertTrue(s.isComplete());
        assertFalse(copy.canEnd(), "the copy did not see the later bytes");
        assertTrue(copy.acceptBytes(utf8("😀")));
        assertTrue(copy.isComplete());
        assertEquals(1, copy.readings());
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) sb.append(String.format("\\x%02x", cp));
            else sb.appendCodePoint(cp);
        });
        return sb.append('"').toString();
    }
}
