package ai.baton.engine.guide;

/** A JSON number, or with {@code integer} one without fraction or exponent. */
final class NumberRule implements ValueRule {
    static final NumberRule NUMBER = new NumberRule(false);
    static final NumberRule INTEGER = new NumberRule(true);

    /** Caps so that a model cannot stay inside one number forever. */
    static final int MAX_INT_DIGITS = 15, MAX_FRACTION_DIGITS = 15, MAX_EXPONENT_DIGITS = 3;

    final boolean integer;

    private NumberRule(boolean integer) { this.integer = integer; }
}
