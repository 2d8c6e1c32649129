package ai.baton.engine.guide;

import java.util.List;

/** Any one of several rules (anyOf, oneOf, a type array); the automaton follows every alternative at once. */
final class UnionRule implements ValueRule {
    final ValueRule[] alternatives;

    UnionRule(List<ValueRule> alternatives) { this.alternatives = alternatives.toArray(ValueRule[]::new); }
}
