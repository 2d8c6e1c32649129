package ai.baton.engine.tokenizer;

/** Unicode character classes with the exact meaning they have in HF tokenizers (Rust regex / Oniguruma). */
final class UnicodeProps {
    private UnicodeProps() {}

    /**
     * Unicode White_Space, which is what Rust's {@code \s} and {@code char::is_whitespace} test.
     * Java's Character.isWhitespace differs (it rejects no-break spaces and accepts U+001C..U+001F).
     */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** Rust regex's Unicode {@code \w}: Alphabetic, marks, decimal digits, connector punctuation, joiners. */
    static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp)) return true;
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> cp == 0x200C || cp == 0x200D;
        };
    }
}
