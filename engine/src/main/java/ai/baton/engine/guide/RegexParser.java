package ai.baton.engine.guide;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the supported regular-expression subset (Python {@code re} syntax, ASCII shorthands) into a
 * {@link RegexNode}; anything else is a {@link GuideException} naming the construct and its offset (the index of
 * its first character in the pattern, from 0). See package-info for the subset. The pattern always has to match
 * the whole output, so {@code ^} and {@code $} are accepted only at the start and end of the pattern or of one of
 * its top-level alternatives, where they change nothing.
 */
final class RegexParser {
    /** Largest count in {@code {n}}, {@code {n,}}, {@code {n,m}}. */
    static final int MAX_REPEAT = 1000;

    private final String src;
    private final String what;
    private int pos;
    private int depth;

    private RegexParser(String src, String what) {
        this.src = src;
        this.what = what;
    }

    /** Parses the pattern; {@code what} starts every error message (e.g. "regex", or "\"pattern\" at /a"). */
    static RegexNode parse(String pattern, String what) {
        RegexParser p = new RegexParser(pattern, what);
        RegexNode node = p.alternation();
        if (p.pos < pattern.length()) throw p.error("unbalanced parenthesis ')' at offset " + p.pos);
        return node;
    }

    private GuideException error(String detail) { return new GuideException(what + ": " + detail); }

    private GuideException unsupported(String construct, int at) {
        return error(construct + " at offset " + at + " is not supported");
    }

    private boolean more() { return pos < src.length(); }

    private int peek() { return src.codePointAt(pos); }

    private boolean lookingAt(String s) { return src.startsWith(s, pos); }

    private int next() {
        int cp = src.codePointAt(pos);
        pos += Character.charCount(cp);
        return cp;
    }

    private RegexNode alternation() {
        List<RegexNode> branches = new ArrayList<>();
        branches.add(sequence());
        while (more() && peek() == '|') {
            pos++;
            branches.add(sequence());
        }
        return branches.size() == 1 ? branches.getFirst() : new RegexNode.Alt(branches);
    }

    private RegexNode sequence() {
        List<RegexNode> items = new ArrayList<>();
        if (depth == 0 && more() && peek() == '^') pos++; // a top-level alternative may start with '^'
        while (more() && peek() != '|' && peek() != ')') {
            int at = pos;
            RegexNode atom = atom();
            if (atom == null) continue; // a final '$'
            items.add(quantified(atom, at));
        }
        return items.size() == 1 ? items.getFirst() : new RegexNode.Concat(items);
    }

    /** An atom; null for a '$' that ends the pattern or a top-level alternative. */
    private RegexNode atom() {
        int at = pos;
        int c = next();
        return switch (c) {
            case '(' -> group(at);
            case '[' -> new RegexNode.Chars(charClass(at));
            case '.' -> new RegexNode.Chars(CodePointSet.DOT);
            case '\\' -> escape(at);
            case '^' -> throw error("anchor '^' at offset " + at + " is only supported at the start of the pattern or of a top-level alternative (the whole output must match anyway)");
            case '$' -> {
                if (depth == 0 && (pos == src.length() || src.charAt(pos) == '|')) yield null;
                throw error("anchor '$' at offset " + at + " is only supported at the end of the pattern or of a top-level alternative (the whole output must match anyway)");
            }
            case '*', '+', '?' -> throw error("nothing to repeat before '" + (char) c + "' at offset " + at);
            case '{' -> {
                pos = at;
                if (repeatBounds() != null) throw error("nothing to repeat before '{' at offset " + at);
                pos = at + 1;
                yield literal('{');
            }
            default -> literal(c);
        };
    }

    private static RegexNode literal(int cp) { return new RegexNode.Chars(CodePointSet.single(cp)); }

    private RegexNode group(int at) {
        if (lookingAt("?")) {
            if (lookingAt("?:")) {
                pos += 2;
            } else if (lookingAt("?P<") || (lookingAt("?<") && !lookingAt("?<=") && !lookingAt("?<!"))) {
                pos += lookingAt("?P<") ? 3 : 2;
                int start = pos;
                while (more() && (Character.isLetterOrDigit(peek()) || peek() == '_')) next();
                if (pos == start || !more() || peek() != '>' || Character.isDigit(src.codePointAt(start)))
                    throw error("bad group name at offset " + start);
                pos++;
            } else if (lookingAt("?P=")) {
                throw unsupported("backreference (?P=", at);
            } else if (lookingAt("?=") || lookingAt("?!")) {
                throw unsupported("lookahead (" + src.substring(at + 1, at + 3), at);
            } else if (lookingAt("?<=") || lookingAt("?<!")) {
                throw unsupported("lookbehind (" + src.substring(at + 1, at + 4), at);
            } else if (lookingAt("?#")) {
                throw unsupported("comment group (?#", at);
            } else if (lookingAt("?>")) {
                throw unsupported("atomic group (?>", at);
            } else if (lookingAt("?(")) {
                throw unsupported("conditional group (?(", at);
            } else {
                throw unsupported("inline flags or group construct (" + src.substring(at + 1, Math.min(src.length(), at + 3)), at);
            }
        }
        depth++;
        RegexNode inner = alternation();
        depth--;
        if (!more()) throw error("missing ')' for the group opened at offset " + at);
        pos++; // ')'
        return inner;
    }

    /** After an atom: its quantifier, if any (a lazy '?' after it changes nothing for a full match). */
    private RegexNode quantified(RegexNode atom, int atomAt) {
        if (!more()) return atom;
        int at = pos;
        int min, max;
        switch (peek()) {
            case '*' -> { pos++; min = 0; max = RegexNode.Repeat.UNBOUNDED; }
            case '+' -> { pos++; min = 1; max = RegexNode.Repeat.UNBOUNDED; }
            case '?' -> { pos++; min = 0; max = 1; }
            case '{' -> {
                int[] bounds = repeatBounds();
                if (bounds == null) return atom; // a literal '{' follows
                min = bounds[0];
                max = bounds[1];
            }
            default -> { return atom; }
        }
        if (more() && peek() == '?') pos++;
        else if (more() && peek() == '+') throw unsupported("possessive quantifier '+'", pos);
        if (more() && (peek() == '*' || peek() == '+' || peek() == '?' || (peek() == '{' && lookingQuantifier())))
            throw error("multiple repeat at offset " + pos + " (group the repeated part first)");
        if (min == 1 && max == 1) return atom;
        return new RegexNode.Repeat(atom, min, max);
    }

    private boolean lookingQuantifier() {
        int save = pos;
        try {
            return repeatBounds() != null;
        } finally {
            pos = save;
        }
    }

    /**
     * At '{': reads {@code {n}}, {@code {n,}}, {@code {n,m}} or {@code {,m}} and returns {min, max}; null (pos
     * unchanged) if the text is not a quantifier, in which case the '{' is a literal, as in Python.
     */
    private int[] repeatBounds() {
        int at = pos;
        int i = pos + 1;
        int n1 = i;
        while (i < src.length() && isDigit(src.charAt(i))) i++;
        String first = src.substring(n1, i);
        String second = null;
        boolean comma = i < src.length() && src.charAt(i) == ',';
        if (comma) {
            int n2 = ++i;
            while (i < src.length() && isDigit(src.charAt(i))) i++;
            second = src.substring(n2, i);
        }
        if (i >= src.length() || src.charAt(i) != '}' || (first.isEmpty() && (second == null || second.isEmpty()))) return null;
        pos = i + 1;
        int min = first.isEmpty() ? 0 : count(first, at);
        int max = !comma ? min : second.isEmpty() ? RegexNode.Repeat.UNBOUNDED : count(second, at);
        if (max != RegexNode.Repeat.UNBOUNDED && max < min)
            throw error("repetition {" + src.substring(at + 1, i) + "} at offset " + at + " has its maximum below its minimum");
        return new int[] {min, max};
    }

    private int count(String digits, int at) {
        if (digits.length() > 7 || Integer.parseInt(digits) > MAX_REPEAT)
            throw error("repetition count " + digits + " at offset " + at + " is more than the " + MAX_REPEAT + " supported");
        return Integer.parseInt(digits);
    }

    private static boolean isDigit(char c) { return c >= '0' && c <= '9'; }

    /** After a backslash outside a class. */
    private RegexNode escape(int at) {
        if (!more()) throw error("the pattern ends with a lone backslash");
        int c = peek();
        switch (c) {
            case 'b', 'B', 'A', 'Z', 'z', 'G' -> throw unsupported((c == 'b' || c == 'B' ? "word boundary \\" : "anchor \\") + (char) c, at);
            default -> { }
        }
        CodePointSet shorthand = shorthand(c);
        if (shorthand != null) {
            pos++;
            return new RegexNode.Chars(shorthand);
        }
        return literal(escapedCodePoint(at, false));
    }

    private static CodePointSet shorthand(int c) {
        return switch (c) {
            case 'd' -> CodePointSet.DIGIT;
            case 'D' -> CodePointSet.DIGIT.complement();
            case 'w' -> CodePointSet.WORD;
            case 'W' -> CodePointSet.WORD.complement();
            case 's' -> CodePointSet.SPACE;
            case 'S' -> CodePointSet.SPACE.complement();
            default -> null;
        };
    }

    /** The code point of a single-character escape (pos after the backslash). */
    private int escapedCodePoint(int at, boolean inClass) {
        int c = next();
        return switch (c) {
            case 'n' -> '\n';
            case 't' -> '\t';
            case 'r' -> '\r';
            case 'f' -> '\f';
            case 'v' -> 0x0B;
            case 'a' -> 0x07;
            case 'e' -> 0x1B;
            case 'b' -> {
                if (inClass) yield 0x08;
                throw new IllegalStateException();
            }
            case '0' -> {
                if (more() && peek() >= '0' && peek() <= '7') throw unsupported("octal escape", at);
                yield 0;
            }
            case 'x' -> hex(at, 2, "\\x");
            case 'u' -> {
                int cp = hex(at, 4, "\\u");
                if (Character.isHighSurrogate((char) cp) && lookingAt("\\u")) { // a surrogate pair, as JSON writes it
                    int save = pos;
                    pos += 2;
                    int low = hex(at, 4, "\\u");
                    if (Character.isLowSurrogate((char) low)) yield Character.toCodePoint((char) cp, (char) low);
                    pos = save;
                }
                if (cp >= 0xD800 && cp <= 0xDFFF) throw error("lone surrogate escape at offset " + at + " (no UTF-8 encodes it)");
                yield cp;
            }
            case 'U' -> hex(at, 8, "\\U");
            case 'p', 'P' -> throw unsupported("Unicode property class \\" + (char) c, at);
            case 'k' -> throw unsupported("backreference \\k", at);
            case 'N' -> throw unsupported("named character \\N", at);
            case 'c' -> throw unsupported("control escape \\c", at);
            default -> {
                if (c >= '1' && c <= '9') throw unsupported("backreference \\" + (char) c, at);
                if (c < 0x80 && Character.isLetterOrDigit(c)) throw error("unknown escape \\" + (char) c + " at offset " + at);
                yield c; // an escaped symbol is itself
            }
        };
    }

    /** digits hex digits, or {@code {h...}} (at most U+10FFFF); pos is after the escape letter. */
    private int hex(int at, int digits, String name) {
        int end;
        int start;
        if (more() && peek() == '{' && !name.equals("\\U")) {
            start = pos + 1;
            end = src.indexOf('}', start);
            if (end < 0 || end == start || end - start > 6) throw error("bad escape " + name + "{...} at offset " + at);
            pos = end + 1;
        } else {
            start = pos;
            end = pos + digits;
            if (end > src.length()) throw error("bad escape " + name + " at offset " + at + " (needs " + digits + " hex digits)");
            pos = end;
        }
        int cp = 0;
        for (int i = start; i < end; i++) {
            int d = Character.digit(src.charAt(i), 16);
            if (d < 0) throw error("bad escape " + name + " at offset " + at + " (needs " + digits + " hex digits)");
            cp = cp * 16 + d;
            if (cp > CodePointSet.MAX) throw error("escape " + name + " at offset " + at + " is above U+10FFFF");
        }
        if (cp >= 0xD800 && cp <= 0xDFFF && !name.equals("\\u")) throw error("lone surrogate escape at offset " + at + " (no UTF-8 encodes it)");
        return cp;
    }

    /** After '[': the set of a character class. */
    private CodePointSet charClass(int at) {
        boolean negated = more() && peek() == '^';
        if (negated) pos++;
        CodePointSet.Builder set = new CodePointSet.Builder();
        boolean first = true;
        while (true) {
            if (!more()) throw error("missing ']' for the character class opened at offset " + at);
            int itemAt = pos;
            int c = peek();
            if (c == ']' && !first) {
                pos++;
                break;
            }
            first = false;
            if (lookingAt("[:") || lookingAt("[=") || lookingAt("[."))
                throw unsupported("POSIX class " + src.substring(pos, pos + 2), pos);
            CodePointSet item = classAtom();
            if (item == null) { // a single code point: maybe a range
                int lo = lastCodePoint;
                if (more() && peek() == '-' && pos + 1 < src.length() && src.charAt(pos + 1) != ']') {
                    pos++;
                    CodePointSet hiItem = classAtom();
                    if (hiItem != null) throw error("bad range at offset " + itemAt + " (a class shorthand cannot end a range)");
                    int hi = lastCodePoint;
                    if (hi < lo) throw error("bad range " + src.substring(itemAt, pos) + " at offset " + itemAt + " (its end is below its start)");
                    set.add(lo, hi);
                } else {
                    set.add(lo, lo);
                }
            } else {
                if (more() && peek() == '-' && pos + 1 < src.length() && src.charAt(pos + 1) != ']')
                    throw error("bad range at offset " + itemAt + " (a class shorthand cannot start a range)");
                set.addAll(item);
            }
        }
        CodePointSet s = set.build();
        return negated ? s.complement() : s;
    }

    private int lastCodePoint;

    /** One class member: a shorthand's set, or null with the code point in {@link #lastCodePoint}. */
    private CodePointSet classAtom() {
        int at = pos;
        int c = next();
        if (c != '\\') {
            lastCodePoint = c;
            return null;
        }
        if (!more()) throw error("missing ']' for the character class");
        CodePointSet shorthand = shorthand(peek());
        if (shorthand != null) {
            pos++;
            return shorthand;
        }
        if (peek() == 'B' || peek() == 'A' || peek() == 'Z' || peek() == 'z' || peek() == 'G')
            throw error("bad escape \\" + (char) peek() + " inside a character class at offset " + at);
        lastCodePoint = escapedCodePoint(at, true);
        return null;
    }
}
