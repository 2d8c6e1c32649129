package ai.baton.engine.guide;

import java.util.List;

/** A parsed regular expression ({@link RegexParser}): the syntax tree that {@link ByteNfa} compiles. */
sealed interface RegexNode {
    /** The empty string (an empty pattern, group or branch, or an anchor). */
    RegexNode EMPTY = new Concat(List.of());

    /** One character from the set. */
    record Chars(CodePointSet set) implements RegexNode {}

    /** The items one after the other. */
    record Concat(List<RegexNode> items) implements RegexNode {}

    /** Any one of the branches. */
    record Alt(List<RegexNode> branches) implements RegexNode {}

    /** The node min to max times; max {@link #UNBOUNDED} for no upper bound. */
    record Repeat(RegexNode node, int min, int max) implements RegexNode {
        static final int UNBOUNDED = -1;
    }
}
