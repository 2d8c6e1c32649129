package ai.baton.engine.guide;

import ai.baton.engine.guide.Frame.Arr;
import ai.baton.engine.guide.Frame.Key;
import ai.baton.engine.guide.Frame.Literal;
import ai.baton.engine.guide.Frame.Match;
import ai.baton.engine.guide.Frame.Num;
import ai.baton.engine.guide.Frame.Obj;
import ai.baton.engine.guide.Frame.Str;
import ai.baton.engine.guide.Frame.Value;
import java.util.Arrays;

/**
 * The pushdown automaton's transition function over bytes. A state is a set of {@link ParseStack}s (several
 * when a union or an optional property leaves more than one reading open); a byte maps each to its successors.
 */
final class ByteAutomaton {
    /** Most nested objects and arrays. */
    static final int MAX_DEPTH = 64;
    /** Longest run of JSON whitespace allowed between structural tokens. */
    static final int MAX_WHITESPACE = 2;
    /** Most readings followed at once; more only arise from pathological unions, and are dropped. */
    static final int MAX_THREADS = 32;

    private ByteAutomaton() {}

    /** The stacks reachable from {@code from} by reading byte b (0..255), or null if none. */
    static ParseStack[] step(ParseStack[] from, int b) {
        Successors out = new Successors();
        for (ParseStack s : from) feed(s, b, out);
        return out.result();
    }

    static boolean canEnd(ParseStack[] threads) {
        for (ParseStack s : threads) if (s.canEnd()) return true;
        return false;
    }

    private static void feed(ParseStack s, int b, Successors out) {
        Frame f = s.top();
        if (f == null) return; // complete: nothing may follow
        ParseStack rest = s.rest();
        switch (f) {
            case Value v -> start(v.rule(), b, rest, out);
            case Str str -> string(str, b, rest, out);
            case Num n -> number(n, b, rest, out);
            case Literal l -> literal(l.node(), b, rest, out);
            case Match m -> match(m.rule(), m.state(), m.count(), b, rest, out);
            case Key k -> {
                if ((k.key()[k.pos()] & 0xFF) == b) out.add(k.pos() + 1 == k.key().length ? rest : ParseStack.push(new Key(k.key(), k.pos() + 1), rest));
            }
            case Obj o -> object(o, b, rest, out);
            case Arr a -> array(a, b, rest, out);
        }
        // A piece that may end here lets the byte belong to what follows it (e.g. the ',' after a number).
        if (f.canFinish()) feed(rest, b, out);
    }

    /** Reads b as the first byte of a value of the rule, on top of rest. */
    private static void start(ValueRule rule, int b, ParseStack rest, Successors out) {
        switch (rule) {
            case UnionRule u -> { for (ValueRule alt : u.alternatives) start(alt, b, rest, out); }
            case RefRule r -> start(r.target(), b, rest, out);
            case AnyRule ignored -> {
                switch (b) {
                    case '{' -> start(ObjectRule.ANY, b, rest, out);
                    case '[' -> start(ArrayRule.ANY, b, rest, out);
                    case '"' -> start(StringRule.ANY, b, rest, out);
                    case 't', 'f', 'n' -> start(LiteralRule.TRUE_FALSE_NULL, b, rest, out);
                    default -> start(NumberRule.NUMBER, b, rest, out);
                }
            }
            case ObjectRule o -> {
                if (b == '{' && rest.depth() < MAX_DEPTH) out.add(ParseStack.push(new Obj(o, Obj.OPEN, 0, (byte) 0), rest));
            }
            case ArrayRule a -> {
                if (b == '[' && rest.depth() < MAX_DEPTH) out.add(ParseStack.push(new Arr(a, Arr.OPEN, 0, (byte) 0), rest));
            }
            case StringRule s -> {
                if (b == '"') out.add(ParseStack.push(new Str(s, 0, (byte) Utf8.BOUNDARY, (byte) 0), rest));
            }
            case NumberRule n -> {
                if (b == '-') out.add(num(n, Num.MINUS, 0, rest));
                else if (b == '0') out.add(num(n, Num.ZERO, 1, rest));
                else if (b >= '1' && b <= '9') out.add(num(n, Num.INT, 1, rest));
            }
            case LiteralRule l -> literal(l.root, b, rest, out);
            case RegexRule r -> match(r, r.dfa.start, 0, b, rest, out);
        }
    }

    /** Byte b in a regular-expression match at the DFA's state, count characters started (maxLength only). */
    private static void match(RegexRule rule, int state, int count, int b, ParseStack rest, Successors out) {
        ByteDfa dfa = rule.dfa;
        int t = dfa.next(state, b);
        if (t < 0) return;
        if (dfa.terminal(t)) {
            out.add(rest); // a finished match pops at once
            return;
        }
        if (rule.counts()) {
            if (dfa.boundary(state)) count++;
            if (count + dfa.minRemaining(t) > rule.maxLength) return;
        }
        out.add(ParseStack.push(new Match(rule, t, count), rest));
    }

    private static void literal(LiteralRule.Node node, int b, ParseStack rest, Successors out) {
        LiteralRule.Node next = node.child(b);
        if (next == null) return;
        out.add(next.isLeaf() ? rest : ParseStack.push(new Literal(next), rest)); // a finished literal pops at once
    }

    private static void string(Str s, int b, ParseStack rest, Successors out) {
        StringRule rule = s.rule();
        int count = s.count();
        switch (s.escape()) {
            case 0 -> {
                if (s.utf8() != Utf8.BOUNDARY) {
                    int u = Utf8.next(s.utf8(), b);
                    if (u >= 0) out.add(str(rule, u == Utf8.BOUNDARY ? count + 1 : count, u, 0, rest));
                } else if (b == '"') {
                    if (count >= rule.minLength) out.add(rest);
                } else if (b >= 0x20 && count < rule.maxLength) {
                    if (b == '\\') out.add(str(rule, count, Utf8.BOUNDARY, 1, rest));
                    else if (b < 0x80) out.add(str(rule, count + 1, Utf8.BOUNDARY, 0, rest));
                    else {
                        int u = Utf8.next(Utf8.BOUNDARY, b);
                        if (u >= 0) out.add(str(rule, count, u, 0, rest));
                    }
                }
            }
            case 1 -> {
                switch (b) {
                    case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> out.add(str(rule, count + 1, Utf8.BOUNDARY, 0, rest));
                    case 'u' -> out.add(str(rule, count, Utf8.BOUNDARY, 5, rest));
                    default -> { }
                }
            }
            default -> { // hex digits of a backslash-u escape
                if (isHex(b)) out.add(s.escape() == 2 ? str(rule, count + 1, Utf8.BOUNDARY, 0, rest) : str(rule, count, Utf8.BOUNDARY, s.escape() - 1, rest));
            }
        }
    }

    private static ParseStack str(StringRule rule, int count, int utf8, int escape, ParseStack rest) {
        return ParseStack.push(new Str(rule, count, (byte) utf8, (byte) escape), rest);
    }

    private static void number(Num n, int b, ParseStack rest, Successors out) {
        NumberRule rule = n.rule();
        boolean digit = b >= '0' && b <= '9';
        int digits = n.digits();
        switch (n.phase()) {
            case Num.MINUS -> {
                if (b == '0') out.add(num(rule, Num.ZERO, 1, rest));
                else if (digit) out.add(num(rule, Num.INT, 1, rest));
            }
            case Num.ZERO, Num.INT -> {
                if (digit && n.phase() == Num.INT && digits < NumberRule.MAX_INT_DIGITS) out.add(num(rule, Num.INT, digits + 1, rest));
                else if (!rule.integer && b == '.') out.add(num(rule, Num.DOT, 0, rest));
                else if (!rule.integer && (b == 'e' || b == 'E')) out.add(num(rule, Num.EXP, 0, rest));
            }
            case Num.DOT -> {
                if (digit) out.add(num(rule, Num.FRACTION, 1, rest));
            }
            case Num.FRACTION -> {
                if (digit && digits < NumberRule.MAX_FRACTION_DIGITS) out.add(num(rule, Num.FRACTION, digits + 1, rest));
                else if (b == 'e' || b == 'E') out.add(num(rule, Num.EXP, 0, rest));
            }
            case Num.EXP -> {
                if (b == '+' || b == '-') out.add(num(rule, Num.EXP_SIGN, 0, rest));
                else if (digit) out.add(num(rule, Num.EXP_DIGITS, 1, rest));
            }
            case Num.EXP_SIGN -> {
                if (digit) out.add(num(rule, Num.EXP_DIGITS, 1, rest));
            }
            case Num.EXP_DIGITS -> {
                if (digit && digits < NumberRule.MAX_EXPONENT_DIGITS) out.add(num(rule, Num.EXP_DIGITS, digits + 1, rest));
            }
            default -> throw new IllegalStateException("number phase " + n.phase());
        }
    }

    private static ParseStack num(NumberRule rule, byte phase, int digits, ParseStack rest) {
        return ParseStack.push(new Num(rule, phase, (byte) digits), rest);
    }

    private static void object(Obj o, int b, ParseStack rest, Successors out) {
        if (isWhitespace(b)) {
            if (o.ws() < MAX_WHITESPACE) out.add(ParseStack.push(new Obj(o.rule(), o.phase(), o.index(), (byte) (o.ws() + 1)), rest));
            return;
        }
        ObjectRule rule = o.rule();
        switch (o.phase()) {
            case Obj.OPEN, Obj.COMMA -> {
                if (b == '}' && o.phase() == Obj.OPEN && rule.canClose(0)) out.add(rest);
                else if (b == '"') keyStart(rule, o.index(), rest, out);
            }
            case Obj.KEY -> {
                if (b == ':') out.add(ParseStack.push(new Obj(rule, Obj.COLON, o.index(), (byte) 0), rest));
            }
            case Obj.COLON -> {
                ValueRule value = rule.freeKeys() ? rule.freeValues : rule.properties[o.index()].value();
                int next = rule.freeKeys() ? 0 : o.index() + 1;
                start(value, b, ParseStack.push(new Obj(rule, Obj.VALUE, next, (byte) 0), rest), out);
            }
            case Obj.VALUE -> {
                if (b == ',' && (rule.freeKeys() || o.index() < rule.properties.length)) out.add(ParseStack.push(new Obj(rule, Obj.COMMA, o.index(), (byte) 0), rest));
                else if (b == '}' && rule.canClose(o.index())) out.add(rest);
            }
            default -> throw new IllegalStateException("object phase " + o.phase());
        }
    }

    /** After a key's opening quote: a free key string, or the key of any property that may come next. */
    private static void keyStart(ObjectRule rule, int next, ParseStack rest, Successors out) {
        if (rule.freeKeys()) {
            ParseStack afterKey = ParseStack.push(new Obj(rule, Obj.KEY, -1, (byte) 0), rest);
            out.add(ParseStack.push(new Str(StringRule.ANY, 0, (byte) Utf8.BOUNDARY, (byte) 0), afterKey));
            return;
        }
        if (next >= rule.properties.length) return;
        for (int i = next, last = rule.lastCandidate(next); i <= last; i++) {
            ParseStack afterKey = ParseStack.push(new Obj(rule, Obj.KEY, i, (byte) 0), rest);
            out.add(ParseStack.push(new Key(rule.properties[i].key(), 1), afterKey));
        }
    }

    private static void array(Arr a, int b, ParseStack rest, Successors out) {
        if (isWhitespace(b)) {
            if (a.ws() < MAX_WHITESPACE) out.add(ParseStack.push(new Arr(a.rule(), a.phase(), a.count(), (byte) (a.ws() + 1)), rest));
            return;
        }
        ArrayRule rule = a.rule();
        int count = a.count();
        switch (a.phase()) {
            case Arr.OPEN, Arr.COMMA -> {
                if (b == ']' && a.phase() == Arr.OPEN && rule.minItems == 0) out.add(rest);
                else if (rule.itemAllowed(count)) start(rule.item(count), b, ParseStack.push(new Arr(rule, Arr.VALUE, count + 1, (byte) 0), rest), out);
            }
            case Arr.VALUE -> {
                if (b == ',' && rule.itemAllowed(count)) out.add(ParseStack.push(new Arr(rule, Arr.COMMA, count, (byte) 0), rest));
                else if (b == ']' && count >= rule.minItems) out.add(rest);
            }
            default -> throw new IllegalStateException("array phase " + a.phase());
        }
    }

    static boolean isWhitespace(int b) { return b == ' ' || b == '\n' || b == '\r' || b == '\t'; }

    private static boolean isHex(int b) { return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F'); }

    /** Collects successor stacks without duplicates, up to {@link #MAX_THREADS}. */
    private static final class Successors {
        private ParseStack[] items;
        private int n;

        void add(ParseStack s) {
            if (items == null) {
                items = new ParseStack[] {s};
                n = 1;
                return;
            }
            for (int i = 0; i < n; i++) if (items[i].equals(s)) return;
            if (n == MAX_THREADS) return;
            if (n == items.length) items = Arrays.copyOf(items, Math.min(MAX_THREADS, n * 2));
            items[n++] = s;
        }

        ParseStack[] result() { return n == 0 ? null : n == items.length ? items : Arrays.copyOf(items, n); }
    }
}
