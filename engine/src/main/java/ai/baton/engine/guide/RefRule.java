package ai.baton.engine.guide;

/**
 * A {@code $ref} to a rule compiled later, so that recursive schemas compile to a cyclic graph. The target
 * is set once while the guide is compiled and never changes after.
 */
final class RefRule implements ValueRule {
    final String pointer;
    private ValueRule target;

    RefRule(String pointer) { this.pointer = pointer; }

    ValueRule target() { return target; }

    void resolve(ValueRule rule) { this.target = rule; }
}
