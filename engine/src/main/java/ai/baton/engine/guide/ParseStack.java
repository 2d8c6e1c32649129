package ai.baton.engine.guide;

/**
 * A persistent (immutable, tail-sharing) stack of frames: one thread of the automaton. Pushing never copies,
 * so the vocabulary walk can branch at every byte for free. depth counts container frames.
 */
record ParseStack(Frame top, ParseStack rest, int depth) {
    /** Nothing left to parse: the output is a complete value. */
    static final ParseStack EMPTY = new ParseStack(null, null, 0);

    static ParseStack push(Frame frame, ParseStack rest) {
        return new ParseStack(frame, rest, rest.depth + (frame.isContainer() ? 1 : 0));
    }

    boolean isEmpty() { return top == null; }

    /** Whether every frame may end here, so the output may stop now. */
    boolean canEnd() {
        for (ParseStack s = this; !s.isEmpty(); s = s.rest) if (!s.top.canFinish()) return false;
        return true;
    }
}
