package ai.baton.engine.guide;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled, minimal DFA over bytes (immutable, thread-safe): the transition table over byte classes, and what
 * the automaton and the mask walk need per state. Every state can reach an accepting one, so a byte with a move
 * never leads into a dead end.
 *
 * <p>Characters are counted for JSON strings' maxLength: a byte read from a {@link #boundary} state starts a
 * character, except one that moves into a {@link #terminal} state (the closing quote).
 */
final class ByteDfa {
    final int start;
    final int states;
    private final int classes;
    private final int[] classOf;
    private final int[] table;
    private final boolean[] accepting;
    private final boolean[] terminal;
    private final boolean[] boundary;
    private final int[] minRemaining;
    private final int maxMinRemaining;
    private final int[] wideSet;
    private final int[] safeDepth;
    private long[] excludedLo = new long[0], excludedHi = new long[0];

    ByteDfa(int start, int states, int classes, int[] classOf, int[] table, boolean[] accepting, boolean[] boundary) {
        this.start = start;
        this.states = states;
        this.classes = classes;
        this.classOf = classOf;
        this.table = table;
        this.accepting = accepting;
        this.boundary = boundary;
        this.terminal = new boolean[states];
        for (int s = 0; s < states; s++) {
            boolean moves = false;
            for (int c = 0; c < classes && !moves; c++) moves = table[s * classes + c] >= 0;
            terminal[s] = accepting[s] && !moves;
        }
        this.minRemaining = minRemaining();
        int most = 0;
        for (int r : minRemaining) most = Math.max(most, r);
        this.maxMinRemaining = most;
        this.wideSet = new int[states];
        this.safeDepth = new int[states];
        wideStates();
    }

    /** The state after byte b (0..255), or -1 if b cannot come next. */
    int next(int state, int b) { return table[state * classes + classOf[b]]; }

    boolean accepting(int state) { return accepting[state]; }

    /** Accepting with no move out: the match is over. */
    boolean terminal(int state) { return terminal[state]; }

    /** A character of a JSON string's content may start at the next byte. */
    boolean boundary(int state) { return boundary[state]; }

    /** The fewest characters still to start before an accepting state (see the class comment for the count). */
    int minRemaining(int state) { return minRemaining[state]; }

    /**
     * Index of the ASCII byte set that a mask walk must not see below a trie node for the whole subtree to be
     * read from this state (with {@link #safeDepth}), or -1: no subtree is taken whole from here. Only states at a
     * character boundary whose class of allowed ASCII bytes is broad (free text such as {@code .*} or
     * {@code [^<>]{0,200}}) have one.
     */
    int wideSet(int state) { return wideSet[state]; }

    long excludedLo(int set) { return excludedLo[set]; }

    long excludedHi(int set) { return excludedHi[set]; }

    /**
     * For a state with a {@link #wideSet}: every byte string up to this long that is valid JSON-string-safe UTF-8
     * and has no byte of the set is read from here, through states that are neither dead nor terminal.
     */
    int safeDepth(int state) { return safeDepth[state]; }

    /** The largest {@link #minRemaining} of any state, for maxLength checks on whole subtrees. */
    int maxMinRemaining() { return maxMinRemaining; }

    /** Whether the bytes, from the start, end in an accepting state (a full match). */
    boolean matches(byte[] bytes) {
        int s = start;
        for (byte b : bytes) {
            s = next(s, b & 0xFF);
            if (s < 0) return false;
        }
        return accepting[s];
    }

    /** 0-1 BFS backwards from the accepting states; a move costs 1 when it starts a counted character. */
    private int[] minRemaining() {
        int[] dist = new int[states];
        Arrays.fill(dist, Integer.MAX_VALUE);
        // Reverse edges, one per (source, target) pair.
        int[][] sources = new int[states][];
        int[] counts = new int[states];
        for (int s = 0; s < states; s++) {
            for (int c = 0; c < classes; c++) {
                int t = table[s * classes + c];
                if (t < 0) continue;
                if (sources[t] == null) sources[t] = new int[4];
                boolean dup = false;
                for (int i = 0; i < counts[t] && !dup; i++) dup = sources[t][i] == s;
                if (dup) continue;
                if (counts[t] == sources[t].length) sources[t] = Arrays.copyOf(sources[t], counts[t] * 2);
                sources[t][counts[t]++] = s;
            }
        }
        ArrayDeque<Integer> deque = new ArrayDeque<>();
        for (int s = 0; s < states; s++) if (accepting[s]) { dist[s] = 0; deque.add(s); }
        while (!deque.isEmpty()) {
            int t = deque.pollFirst();
            for (int i = 0; i < counts[t]; i++) {
                int s = sources[t][i];
                int cost = boundary[s] && !terminal[t] ? 1 : 0;
                if (dist[t] + cost < dist[s]) {
                    dist[s] = dist[t] + cost;
                    if (cost == 0) deque.addFirst(s);
                    else deque.addLast(s);
                }
            }
        }
        return dist;
    }

    /**
     * Finds the wide states (see {@link #wideSet}): the UTF-8 validator state of every state (from the start;
     * the DFA only reads valid UTF-8), each boundary state's excluded ASCII bytes (those without a move, or with a
     * move that ends the match, and those never string-safe), and per distinct broad set the safe depths, as
     * shortest distances to a state where an allowed byte fails.
     */
    private void wideStates() {
        Arrays.fill(wideSet, -1);
        byte[] utf8 = new byte[states];
        Arrays.fill(utf8, (byte) -2);
        utf8[start] = Utf8.BOUNDARY;
        int[] queue = new int[states];
        int head = 0, tail = 0;
        queue[tail++] = start;
        while (head < tail) {
            int s = queue[head++];
            for (int b = 0; b < 256; b++) {
                int t = next(s, b);
                if (t < 0) continue;
                int v = Utf8.next(utf8[s], b);
                if (v < 0 || (utf8[t] != -2 && utf8[t] != v)) return; // not UTF-8 aligned: no wide states
                if (utf8[t] == -2) {
                    utf8[t] = (byte) v;
                    queue[tail++] = t;
                }
            }
        }
        Map<List<Long>, Integer> sets = new HashMap<>();
        List<long[]> setList = new ArrayList<>();
        for (int d = 0; d < states; d++) {
            if (utf8[d] != Utf8.BOUNDARY || terminal[d]) continue;
            long lo = 0, hi = 0;
            for (int b = 0; b < 128; b++) {
                int t = next(d, b);
                if (Utf8.nextInJsonString(Utf8.BOUNDARY, b) < 0 || t < 0 || terminal[t]) {
                    if (b < 64) lo |= 1L << b;
                    else hi |= 1L << b;
                }
            }
            if (128 - Long.bitCount(lo) - Long.bitCount(hi) < MIN_WIDE_BYTES) continue;
            Integer set = sets.get(List.of(lo, hi));
            if (set == null) {
                if (setList.size() == MAX_WIDE_SETS) continue;
                set = setList.size();
                sets.put(List.of(lo, hi), set);
                setList.add(new long[] {lo, hi});
            }
            wideSet[d] = set;
        }
        excludedLo = new long[setList.size()];
        excludedHi = new long[setList.size()];
        for (int x = 0; x < setList.size(); x++) {
            excludedLo[x] = setList.get(x)[0];
            excludedHi[x] = setList.get(x)[1];
            int[] depth = safeDepths(utf8, excludedLo[x], excludedHi[x]);
            for (int d = 0; d < states; d++) if (wideSet[d] == x) safeDepth[d] = depth[d];
        }
    }

    /** Below this many allowed ASCII bytes a state's subtrees are small: walking them is as cheap. */
    private static final int MIN_WIDE_BYTES = 16;
    /** Most distinct wide sets per DFA (each costs one pass over the table to compile). */
    private static final int MAX_WIDE_SETS = 16;

    /** Per state, how many allowed bytes (valid, string-safe, not excluded) are surely read from it. */
    private int[] safeDepths(byte[] utf8, long lo, long hi) {
        int[] depth = new int[states];
        Arrays.fill(depth, Integer.MAX_VALUE);
        int[][] sources = new int[states][];
        int[] counts = new int[states];
        int[] queue = new int[states];
        int tail = 0;
        for (int s = 0; s < states; s++) {
            if (utf8[s] < 0) { // unreachable
                depth[s] = 0;
                continue;
            }
            boolean fails = terminal[s];
            for (int b = 0; b < 256 && !fails; b++) {
                if (Utf8.nextInJsonString(utf8[s], b) < 0 || (b < 64 ? (lo >> b & 1) != 0 : b < 128 && (hi >> b & 1) != 0)) continue;
                int t = next(s, b);
                if (t < 0 || terminal[t]) {
                    fails = true;
                    break;
                }
                if (sources[t] == null) sources[t] = new int[4];
                if (counts[t] > 0 && sources[t][counts[t] - 1] == s) continue;
                if (counts[t] == sources[t].length) sources[t] = Arrays.copyOf(sources[t], counts[t] * 2);
                sources[t][counts[t]++] = s;
            }
            if (fails) {
                depth[s] = 0;
                queue[tail++] = s;
            }
        }
        for (int head = 0; head < tail; head++) {
            int t = queue[head];
            for (int i = 0; i < counts[t]; i++) {
                int s = sources[t][i];
                if (depth[s] == Integer.MAX_VALUE) {
                    depth[s] = depth[t] + 1;
                    queue[tail++] = s;
                }
            }
        }
        return depth;
    }
}
