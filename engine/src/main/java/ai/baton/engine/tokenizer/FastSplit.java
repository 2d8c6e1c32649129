package ai.baton.engine.tokenizer;

import java.util.List;

/**
 * A hand-written matcher for the split regexes of GPT-2, Qwen2/3 and Llama 3, several times faster than
 * java.util.regex. Each branch mirrors one alternative of the regex, tried in the same order with the
 * same backtracking outcome; tests check it against the regex on random text. Any other regex falls back
 * to {@link RegexSplit}.
 */
final class FastSplit implements PreTokenizer {
    /** Qwen2, Qwen2.5 and Qwen3: one digit per word. */
    static final String QWEN2_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Llama 3: up to three digits per word. */
    static final String LLAMA3_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String GPT2_REGEX =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private enum Flavor { QWEN2, LLAMA3, GPT2 }

    // character classes of the regexes
    private static final byte OTHER = 0, LETTER = 1, NUMBER = 2, SPACE = 3, NEWLINE = 4;
    private static final byte[] BMP_CLASS = new byte[0x10000];

    static {
        for (int c = 0; c < BMP_CLASS.length; c++) BMP_CLASS[c] = classify(c);
    }

    private final Flavor flavor;

    private FastSplit(Flavor flavor) { this.flavor = flavor; }

    /** The scanner for a known regex, or null. */
    static FastSplit forRegex(String regex) {
        return switch (regex) {
            case QWEN2_REGEX -> new FastSplit(Flavor.QWEN2);
            case LLAMA3_REGEX -> new FastSplit(Flavor.LLAMA3);
            case GPT2_REGEX -> new FastSplit(Flavor.GPT2);
            default -> null;
        };
    }

    private static byte classify(int cp) {
        if (cp == '\r' || cp == '\n') return NEWLINE;
        if (UnicodeProps.isWhiteSpace(cp)) return SPACE;
        if (Character.isLetter(cp)) return LETTER; // \p{L}: Lu, Ll, Lt, Lm, Lo
        return switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            default -> OTHER;
        };
    }

    private static int classAt(String s, int i) {
        char c = s.charAt(i);
        if (!Character.isSurrogate(c)) return BMP_CLASS[c];
        return classify(s.codePointAt(i));
    }

    /** Index after the code point at i. */
    private static int nextIndex(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)) ? i + 2 : i + 1;
    }

    private static boolean isSpace(int cls) { return cls == SPACE || cls == NEWLINE; }

    @Override public boolean mapsToBytes() { return false; }

    @Override public void split(String piece, List<String> out) {
        int n = piece.length();
        int i = 0;
        while (i < n) { // the alternatives cover every character, so the words are contiguous
            int end = flavor == Flavor.GPT2 ? matchGpt2(piece, i) : matchQwenLlama(piece, i);
            out.add(piece.substring(i, end));
            i = end;
        }
    }

    /** End of the run of code points of class cls starting at i. */
    private static int run(String s, int i, int cls) {
        int n = s.length();
        while (i < n && classAt(s, i) == cls) i = nextIndex(s, i);
        return i;
    }

    private static int runOfSpace(String s, int i) {
        int n = s.length();
        while (i < n && isSpace(classAt(s, i))) i++; // whitespace is all in the BMP
        return i;
    }

    private static int runOfOther(String s, int i) { return run(s, i, OTHER); }

    /** Length of a contraction ('s 't 're 've 'm 'll 'd) at i, or 0. */
    private static int contraction(String s, int i, boolean ignoreCase) {
        int n = s.length();
        if (s.charAt(i) != '\'' || i + 1 >= n) return 0;
        char a = s.charAt(i + 1);
        char b = i + 2 < n ? s.charAt(i + 2) : 0;
        if (ignoreCase) {
            // Unicode case-insensitivity: the long s U+017F folds to 's' (Kelvin sign folds to 'k', not used here)
            if (a == 's' || a == 'S' || a == '\u017F' || a == 't' || a == 'T' || a == 'm' || a == 'M' || a == 'd' || a == 'D') return 2;
            if ((a == 'r' || a == 'R' || a == 'v' || a == 'V') && (b == 'e' || b == 'E')) return 3;
            if ((a == 'l' || a == 'L') && (b == 'l' || b == 'L')) return 3;
            return 0;
        }
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
        if ((a == 'r' || a == 'v') && b == 'e') return 3;
        if (a == 'l' && b == 'l') return 3;
        return 0;
    }

    /** (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1 or 1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
    private int matchQwenLlama(String s, int i) {
        int n = s.length();
        int c = contraction(s, i, true);
        if (c > 0) return i + c;
        int cls = classAt(s, i);
        int next = nextIndex(s, i);
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (cls == LETTER) return run(s, next, LETTER);
        if ((cls == OTHER || cls == SPACE) && next < n && classAt(s, next) == LETTER) return run(s, nextIndex(s, next), LETTER);
        // \p{N} or \p{N}{1,3}
        if (cls == NUMBER) {
            if (flavor == Flavor.QWEN2) return next;
            int end = next;
            for (int k = 1; k < 3 && end < n && classAt(s, end) == NUMBER; k++) end = nextIndex(s, end);
            return end;
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        int start = i;
        if (s.charAt(i) == ' ' && next < n && classAt(s, next) == OTHER) start = next;
        if (classAt(s, start) == OTHER) return run(s, runOfOther(s, start), NEWLINE);
        // only whitespace is left
        int spaceEnd = runOfSpace(s, i);
        // \s*[\r\n]+ : up to the last newline of the whitespace run
        for (int k = spaceEnd - 1; k >= i; k--) if (s.charAt(k) == '\r' || s.charAt(k) == '\n') return k + 1;
        // \s+(?!\S) : the run, less its last character when a non-space follows
        if (spaceEnd == n || spaceEnd - 1 == i) return spaceEnd;
        return spaceEnd - 1;
    }

    /** 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
    private int matchGpt2(String s, int i) {
        int n = s.length();
        int c = contraction(s, i, false);
        if (c > 0) return i + c;
        int start = i;
        int next = nextIndex(s, i);
        if (s.charAt(i) == ' ' && next < n && !isSpace(classAt(s, next))) start = next;
        int cls = classAt(s, start);
        if (cls == LETTER || cls == NUMBER || cls == OTHER) return run(s, nextIndex(s, start), cls);
        int spaceEnd = runOfSpace(s, i);
        if (spaceEnd == n || spaceEnd - 1 == i) return spaceEnd;
        return spaceEnd - 1;
    }
}
