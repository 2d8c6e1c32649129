package ai.baton.engine.guide;

/**
 * A compiled description of the values allowed at one place of the output. Rules compare by identity
 * (the automaton's frames hold them) and may form cycles through {@link RefRule}.
 */
sealed interface ValueRule permits AnyRule, ObjectRule, ArrayRule, StringRule, NumberRule, LiteralRule, UnionRule, RefRule, RegexRule {}
