package ai.baton.engine.guide;

/**
 * One entry of the automaton's parse stack: how far the innermost unfinished piece of the output has got.
 * Frames are immutable records, so stacks can share tails and be compared for equality.
 */
sealed interface Frame {
    /** Whether this piece may end here (the next byte may then belong to the frame below). */
    default boolean canFinish() { return false; }

    /** Whether this frame counts toward the nesting limit. */
    default boolean isContainer() { return false; }

    /** A value not started yet (only at the bottom of a fresh stack: containers start their values directly). */
    record Value(ValueRule rule) implements Frame {
        @Override public boolean canFinish() {
            return rule instanceof LiteralRule l && l.root.terminal || rule instanceof RegexRule r && r.dfa.accepting(r.dfa.start);
        }
    }

    /**
     * Inside a string after the opening quote. count: code points so far; utf8: {@link Utf8} state;
     * escape: 0 none, 1 after a backslash, 2..5 inside backslash-u with escape-1 hex digits to go.
     */
    record Str(StringRule rule, int count, byte utf8, byte escape) implements Frame {}

    /** Inside a number; digits counts the digits of the current part. */
    record Num(NumberRule rule, byte phase, byte digits) implements Frame {
        static final byte MINUS = 0, ZERO = 1, INT = 2, DOT = 3, FRACTION = 4, EXP = 5, EXP_SIGN = 6, EXP_DIGITS = 7;

        @Override public boolean canFinish() { return phase == ZERO || phase == INT || phase == FRACTION || phase == EXP_DIGITS; }
    }

    /** Partway through one of a set of literals. */
    record Literal(LiteralRule.Node node) implements Frame {
        @Override public boolean canFinish() { return node.terminal; }
    }

    /**
     * Partway through a regular-expression match: the DFA's state, and for a JSON string with maxLength the
     * characters started so far. A state with no move out is never held: the frame pops when it is reached.
     */
    record Match(RegexRule rule, int state, int count) implements Frame {
        @Override public boolean canFinish() { return rule.dfa.accepting(state); }
    }

    /** Partway through a listed property's key; pos is the next byte of key to match. */
    record Key(byte[] key, int pos) implements Frame {}

    /**
     * Inside an object. index: in OPEN, COMMA and VALUE the first property that may come next; in KEY and
     * COLON the property being written (-1 for a free key). ws: whitespace bytes in the current run.
     */
    record Obj(ObjectRule rule, byte phase, int index, byte ws) implements Frame {
        static final byte OPEN = 0, KEY = 1, COLON = 2, VALUE = 3, COMMA = 4;

        @Override public boolean isContainer() { return true; }
    }

    /** Inside an array with count items started; ws: whitespace bytes in the current run. */
    record Arr(ArrayRule rule, byte phase, int count, byte ws) implements Frame {
        static final byte OPEN = 0, VALUE = 1, COMMA = 2;

        @Override public boolean isContainer() { return true; }
    }
}
