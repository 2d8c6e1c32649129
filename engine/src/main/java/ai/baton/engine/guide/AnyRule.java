package ai.baton.engine.guide;

/** Any JSON value (nesting bounded by the automaton's depth limit). */
final class AnyRule implements ValueRule {
    static final AnyRule INSTANCE = new AnyRule();

    private AnyRule() {}
}
