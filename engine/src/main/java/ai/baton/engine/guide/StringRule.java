package ai.baton.engine.guide;

/** A JSON string whose decoded length, in code points (an escape counts as one), is within [min, max]. */
final class StringRule implements ValueRule {
    static final int UNBOUNDED = Integer.MAX_VALUE;
    static final StringRule ANY = new StringRule(0, UNBOUNDED);

    final int minLength;
    final int maxLength;

    StringRule(int minLength, int maxLength) {
        this.minLength = minLength;
        this.maxLength = maxLength;
    }
}
