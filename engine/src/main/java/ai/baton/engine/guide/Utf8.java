package ai.baton.engine.guide;

/**
 * A byte-at-a-time UTF-8 validator with eight states, small enough to precompute per vocabulary trie node.
 * Rejects overlong forms, surrogates and code points above U+10FFFF.
 */
final class Utf8 {
    static final int STATES = 8;
    /** At a character boundary. */
    static final int BOUNDARY = 0;
    private static final int NEED1 = 1, NEED2 = 2, NEED3 = 3;
    private static final int AFTER_E0 = 4, AFTER_ED = 5, AFTER_F0 = 6, AFTER_F4 = 7;

    private Utf8() {}

    /** The state after byte b (0..255), or -1 if b cannot come next. ASCII at a boundary stays at the boundary. */
    static int next(int state, int b) {
        return switch (state) {
            case BOUNDARY -> {
                if (b < 0x80) yield BOUNDARY;
                if (b >= 0xC2 && b <= 0xDF) yield NEED1;
                if (b == 0xE0) yield AFTER_E0;
                if (b == 0xED) yield AFTER_ED;
                if (b >= 0xE1 && b <= 0xEF) yield NEED2;
                if (b == 0xF0) yield AFTER_F0;
                if (b >= 0xF1 && b <= 0xF3) yield NEED3;
                if (b == 0xF4) yield AFTER_F4;
                yield -1;
            }
            case NEED1 -> continuation(b, 0x80, 0xBF, BOUNDARY);
            case NEED2 -> continuation(b, 0x80, 0xBF, NEED1);
            case NEED3 -> continuation(b, 0x80, 0xBF, NEED2);
            case AFTER_E0 -> continuation(b, 0xA0, 0xBF, NEED1);
            case AFTER_ED -> continuation(b, 0x80, 0x9F, NEED1);
            case AFTER_F0 -> continuation(b, 0x90, 0xBF, NEED2);
            case AFTER_F4 -> continuation(b, 0x80, 0x8F, NEED2);
            default -> -1;
        };
    }

    private static int continuation(int b, int lo, int hi, int then) { return b >= lo && b <= hi ? then : -1; }

    /** Like {@link #next}, but also -1 for the bytes that cannot appear unescaped inside a JSON string. */
    static int nextInJsonString(int state, int b) {
        if (state == BOUNDARY && (b == '"' || b == '\\' || b < 0x20)) return -1;
        return next(state, b);
    }
}
