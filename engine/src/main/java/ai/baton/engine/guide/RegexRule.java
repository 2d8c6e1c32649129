package ai.baton.engine.guide;

import java.util.List;

/**
 * Text that fully matches a regular expression, as a DFA over bytes: the whole output of a REGEX guide (raw
 * UTF-8), or a JSON string (quotes included) whose decoded content matches a schema's {@code pattern} or
 * {@code format}, with at most maxLength characters (checked as the automaton goes, from the DFA's shortest
 * completions) and at least minLength (counted inside the DFA).
 */
final class RegexRule implements ValueRule {
    final ByteDfa dfa;
    final int maxLength;

    private RegexRule(ByteDfa dfa, int maxLength) {
        this.dfa = dfa;
        this.maxLength = maxLength;
    }

    /** The output must be a full match of the pattern; what names the pattern in error messages. */
    static RegexRule output(String pattern, String what) {
        RegexNode node = RegexParser.parse(pattern, what);
        DfaTable dfa = ByteNfa.of(node, false, what).toDfa().prune();
        if (dfa == null) throw new GuideException(what + ": the pattern matches nothing");
        return new RegexRule(dfa.minimize().compact(), StringRule.UNBOUNDED);
    }

    /** A regular expression and the words that name it in error messages (e.g. "\"pattern\" at /a"). */
    record Source(String regex, String what) {}

    /**
     * A JSON string whose content fully matches every source (a pattern, a format's pattern) and has minLength to
     * maxLength characters; what names them all in error messages.
     */
    static RegexRule jsonString(List<Source> sources, int minLength, int maxLength, String what) {
        DfaTable content = null;
        for (Source src : sources) {
            DfaTable one = ByteNfa.of(RegexParser.parse(src.regex(), src.what()), true, src.what()).toDfa().prune();
            if (one == null) throw new GuideException(src.what() + ": every string the pattern matches has a control character (below U+0020), and those are not generated inside JSON strings");
            one = one.minimize();
            if (content != null) {
                one = content.intersect(one, what).prune();
                if (one == null) throw new GuideException(what + ": no string matches all of them");
                one = one.minimize();
            }
            content = one;
        }
        DfaTable string = content.jsonString(minLength, what).prune();
        if (string == null) throw new GuideException(what + ": no string of at least minLength " + minLength + " characters matches");
        ByteDfa dfa = string.minimize().compact();
        if (maxLength != StringRule.UNBOUNDED && dfa.minRemaining(dfa.start) > maxLength)
            throw new GuideException(what + ": no string of at most maxLength " + maxLength + " characters matches");
        return new RegexRule(dfa, maxLength);
    }

    static RegexRule jsonString(String pattern, int minLength, int maxLength, String what) {
        return jsonString(List.of(new Source(pattern, what)), minLength, maxLength, what);
    }

    boolean counts() { return maxLength != StringRule.UNBOUNDED; }
}
