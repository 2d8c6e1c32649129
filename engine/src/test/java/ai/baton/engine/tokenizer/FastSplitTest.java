package ai.baton.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand-written scanner must split exactly like the regex it replaces (the regex is checked against HF elsewhere). */
class FastSplitTest {
    /** Characters that sit on the regexes' class boundaries. */
    private static final String[] ALPHABET = {
        "a", "Z", "s", "S", "t", "T", "r", "R", "e", "E", "v", "V", "m", "M", "l", "L", "d", "D", "k", "\u017F", "\u212A",
        "'", "'", "'", " ", " ", " ", "  ", "\n", "\r", "\r\n", "\t", "\u000B", "\f", "\u0085", "\u00A0", "\u2028", "\u3000", "\u200B",
        "0", "7", "\u0663", "\u00B2", "\u2167", "\uFF11", "\uD835\uDFCF", "!", ".", ",", "-", "_", "(", "\"", "\u2014", "\u20AC",
        "\u00E9", "e\u0301", "\u0301", "\u4E2D", "\u6587", "\u3042", "\uD55C", "\u0627", "\uD83D\uDE00", "\uD83C\uDDEB", "\uD835\uDC00",
        "\uD800", "\uDC00", "\u02B0", "\u01C5", "\u3005",
    };

    @ParameterizedTest
    @ValueSource(strings = {FastSplit.QWEN2_REGEX, FastSplit.LLAMA3_REGEX, FastSplit.GPT2_REGEX})
    void matchesTheRegexOnRandomText(String regex) {
        FastSplit fast = FastSplit.forRegex(regex);
        assertNotNull(fast);
        RegexSplit slow = new RegexSplit(HfRegex.compile(regex, "test"), RegexSplit.Behavior.ISOLATED, false);
        Random rnd = new Random(regex.hashCode());
        for (int n = 0; n < 30_000; n++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + rnd.nextInt(n % 10 == 0 ? 60 : 12);
            for (int k = 0; k < len; k++) sb.append(ALPHABET[rnd.nextInt(ALPHABET.length)]);
            String text = sb.toString();
            List<String> expected = new ArrayList<>(), actual = new ArrayList<>();
            slow.split(text, expected);
            fast.split(text, actual);
            assertEquals(expected, actual, () -> "split of " + escape(text));
        }
    }

    /** Oniguruma's (?i) folds the long s U+017F to 's' (checked with HF tokenizers 0.23): x'ſt splits as x | 'ſ | t. */
    @org.junit.jupiter.api.Test
    void contractionsFoldTheLongS() {
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {87, 6, 144815, 83}, TestTokenizers.qwen3().encode("x'\u017ft"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {87, 6, 129, 123, 83}, TestTokenizers.llama3().encode("x'\u017ft"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {87, 91426, 75}, TestTokenizers.qwen3().encode("x'Ll"));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {87, 6, 47780}, TestTokenizers.qwen3().encode("x'\u0130"));
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) sb.append(c < 0x20 || c > 0x7E ? String.format("\\u%04X", (int) c) : String.valueOf(c));
        return sb.toString();
    }
}
