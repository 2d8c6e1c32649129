package ai.baton.engine.guide;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Thompson NFA over bytes, built from a {@link RegexNode}: each character set becomes the byte-range sequences of
 * its UTF-8 encodings ({@link Utf8Sequences}), so the automaton only ever reads valid UTF-8. Every state has either
 * epsilon moves or one byte-range move. States inside a character's encoding are marked, so that the DFA knows
 * where characters end ({@link DfaTable#boundary}).
 *
 * <p>In JSON-string mode a character set is encoded as JSON string content, one spelling per character: control
 * characters (below U+0020) are left out, {@code "} and {@code \} are written {@code \"} and {@code \\}, everything
 * else is its raw UTF-8.
 */
final class ByteNfa {
    /** Most NFA states (the pattern's size after repetitions are unrolled). */
    static final int MAX_STATES = 250_000;
    /** Most DFA states a pattern may need. */
    static final int MAX_DFA_STATES = 10_000;
    /** Bound on subset-construction work (NFA states visited), so that compiling stays in the milliseconds. */
    private static final long MAX_WORK = 60_000_000L;

    private final String what;
    private final boolean jsonString;
    private final Map<CodePointSet, List<Utf8Sequences.Seq>> encodings = new HashMap<>();
    private int n;
    private int[] byteLo = new int[64], byteHi = new int[64], byteTarget = new int[64];
    private int[][] eps = new int[64][];
    private int[] epsCount = new int[64];
    private boolean[] mid = new boolean[64];
    private final int start;
    private final int accept;

    private ByteNfa(RegexNode node, boolean jsonString, String what) {
        this.what = what;
        this.jsonString = jsonString;
        start = newState(false);
        accept = newState(false);
        build(node, start, accept);
    }

    /** The NFA of the pattern's full matches; jsonString: of their JSON string content (no quotes). */
    static ByteNfa of(RegexNode node, boolean jsonString, String what) { return new ByteNfa(node, jsonString, what); }

    private GuideException tooComplex() {
        return new GuideException(what + ": regex too complex (its automaton would need more than " + MAX_DFA_STATES + " states)");
    }

    private int newState(boolean inside) {
        if (n == MAX_STATES) throw tooComplex();
        if (n == byteLo.length) {
            int size = n * 2;
            byteLo = Arrays.copyOf(byteLo, size);
            byteHi = Arrays.copyOf(byteHi, size);
            byteTarget = Arrays.copyOf(byteTarget, size);
            eps = Arrays.copyOf(eps, size);
            epsCount = Arrays.copyOf(epsCount, size);
            mid = Arrays.copyOf(mid, size);
        }
        byteTarget[n] = -1;
        mid[n] = inside;
        return n++;
    }

    private void epsilon(int from, int to) {
        if (eps[from] == null) eps[from] = new int[2];
        else if (epsCount[from] == eps[from].length) eps[from] = Arrays.copyOf(eps[from], epsCount[from] * 2);
        eps[from][epsCount[from]++] = to;
    }

    private void edge(int from, int lo, int hi, int to) {
        byteLo[from] = lo;
        byteHi[from] = hi;
        byteTarget[from] = to;
    }

    /** Adds states and moves so that the strings of node lead from {@code from} to {@code to}. */
    private void build(RegexNode node, int from, int to) {
        switch (node) {
            case RegexNode.Chars c -> {
                // Sequences share their common tails (most end in [80-BF]...), so that a character costs about as
                // many states as the UTF-8 validator has, and the subset construction stays close to minimal.
                Map<List<Integer>, Integer> tails = new HashMap<>();
                for (Utf8Sequences.Seq seq : encodings.computeIfAbsent(c.set(), this::encode)) {
                    int next = to;
                    List<Integer> tail = new ArrayList<>();
                    for (int i = seq.length() - 1; i >= 1; i--) {
                        tail.add(seq.lo()[i]);
                        tail.add(seq.hi()[i]);
                        Integer state = tails.get(tail);
                        if (state == null) {
                            state = newState(true);
                            edge(state, seq.lo()[i], seq.hi()[i], next);
                            tails.put(List.copyOf(tail), state);
                        }
                        next = state;
                    }
                    int first = newState(false);
                    edge(first, seq.lo()[0], seq.hi()[0], next);
                    epsilon(from, first);
                }
            }
            case RegexNode.Concat c -> {
                if (c.items().isEmpty()) {
                    epsilon(from, to);
                    return;
                }
                int cur = from;
                for (int i = 0; i < c.items().size(); i++) {
                    int next = i == c.items().size() - 1 ? to : newState(false);
                    build(c.items().get(i), cur, next);
                    cur = next;
                }
            }
            case RegexNode.Alt a -> {
                for (RegexNode branch : a.branches()) build(branch, from, to);
            }
            case RegexNode.Repeat r -> {
                int cur = from;
                for (int i = 0; i < r.min(); i++) {
                    int next = newState(false);
                    build(r.node(), cur, next);
                    cur = next;
                }
                if (r.max() == RegexNode.Repeat.UNBOUNDED) {
                    int hub = newState(false); // a fresh loop state: nothing else leads into it
                    epsilon(cur, hub);
                    epsilon(hub, to);
                    build(r.node(), hub, hub);
                    return;
                }
                // Optional copies nest, (x(x(x)?)?)?, so that skipping one skips the rest: the DFA's state sets stay small.
                for (int i = r.min(); i < r.max(); i++) {
                    epsilon(cur, to);
                    int next = i == r.max() - 1 ? to : newState(false);
                    build(r.node(), cur, next);
                    cur = next;
                }
                if (r.max() == r.min()) epsilon(cur, to);
            }
        }
    }

    /** The byte sequences of a set's characters, raw or as JSON string content. */
    private List<Utf8Sequences.Seq> encode(CodePointSet set) {
        if (!jsonString) return Utf8Sequences.of(set);
        CodePointSet plain = set.minus(CodePointSet.of(0, 0x1F, '"', '"', '\\', '\\'));
        List<Utf8Sequences.Seq> out = new ArrayList<>(Utf8Sequences.of(plain));
        for (int escaped : new int[] {'"', '\\'}) {
            if (set.contains(escaped)) out.add(new Utf8Sequences.Seq(new int[] {'\\', escaped}, new int[] {'\\', escaped}));
        }
        return out;
    }

    /** Subset construction: the DFA of the same language (all states reachable, dead ends not yet removed). */
    DfaTable toDfa() {
        boolean[] cut = new boolean[257];
        cut[0] = cut[256] = true;
        for (int s = 0; s < n; s++) {
            if (byteTarget[s] >= 0) {
                cut[byteLo[s]] = true;
                cut[byteHi[s] + 1] = true;
            }
        }
        int[] intervalStart = new int[257];
        int intervals = 0;
        for (int b = 0; b < 256; b++) if (cut[b]) intervalStart[intervals++] = b;
        intervalStart[intervals] = 256;

        Closure closure = new Closure(n);
        DfaTable dfa = new DfaTable();
        Map<Key, Integer> ids = new HashMap<>();
        List<int[]> sets = new ArrayList<>();
        int[] first = closure.of(new int[] {start}, 1);
        ids.put(new Key(first), 0);
        sets.add(first);
        dfa.addState(contains(first, accept), isBoundary(first));
        dfa.start = 0;
        long work = 0;
        int[][] moves = new int[intervals][];
        int[] moveCount = new int[intervals];
        for (int d = 0; d < sets.size(); d++) {
            int[] set = sets.get(d);
            Arrays.fill(moveCount, 0);
            for (int s : set) {
                if (byteTarget[s] < 0) continue;
                for (int i = 0; i < intervals; i++) {
                    if (intervalStart[i] < byteLo[s] || intervalStart[i] > byteHi[s]) continue;
                    if (moves[i] == null) moves[i] = new int[4];
                    else if (moveCount[i] == moves[i].length) moves[i] = Arrays.copyOf(moves[i], moveCount[i] * 2);
                    moves[i][moveCount[i]++] = byteTarget[s];
                }
            }
            int[] row = dfa.row(d);
            for (int i = 0; i < intervals; i++) {
                if (moveCount[i] == 0) continue;
                int[] next = closure.of(moves[i], moveCount[i]);
                work += next.length + set.length;
                if (work > MAX_WORK) throw tooComplex();
                Key key = new Key(next);
                Integer id = ids.get(key);
                if (id == null) {
                    if (sets.size() == MAX_DFA_STATES) throw tooComplex();
                    id = sets.size();
                    ids.put(key, id);
                    sets.add(next);
                    dfa.addState(contains(next, accept), isBoundary(next));
                }
                Arrays.fill(row, intervalStart[i], intervalStart[i + 1], id);
            }
        }
        return dfa;
    }

    private static boolean contains(int[] sorted, int s) { return Arrays.binarySearch(sorted, s) >= 0; }

    /** A set of states reached by the same bytes is either all between characters or all inside one. */
    private boolean isBoundary(int[] set) {
        for (int s : set) if (mid[s]) return false;
        return true;
    }

    /** Epsilon closures, sorted, with a reusable visited stamp. */
    private final class Closure {
        private final int[] stamp;
        private int generation;
        private int[] stack = new int[64];
        private int[] out = new int[64];

        Closure(int states) { stamp = new int[states]; }

        int[] of(int[] seeds, int count) {
            generation++;
            int top = 0, size = 0;
            for (int i = 0; i < count; i++) {
                int s = seeds[i];
                if (stamp[s] == generation) continue;
                stamp[s] = generation;
                stack = push(stack, top++, s);
            }
            while (top > 0) {
                int s = stack[--top];
                out = push(out, size++, s);
                for (int i = 0; i < epsCount[s]; i++) {
                    int t = eps[s][i];
                    if (stamp[t] != generation) {
                        stamp[t] = generation;
                        stack = push(stack, top++, t);
                    }
                }
            }
            int[] set = Arrays.copyOf(out, size);
            Arrays.sort(set);
            return set;
        }

        private static int[] push(int[] a, int i, int v) {
            if (i == a.length) a = Arrays.copyOf(a, a.length * 2);
            a[i] = v;
            return a;
        }
    }

    private record Key(int[] states) {
        @Override public boolean equals(Object o) { return o instanceof Key k && Arrays.equals(states, k.states); }

        @Override public int hashCode() { return Arrays.hashCode(states); }
    }
}
