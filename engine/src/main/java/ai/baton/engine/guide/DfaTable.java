package ai.baton.engine.guide;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A DFA over bytes while it is being built: one row of 256 next states per state (-1: no move), accepting flags,
 * and boundary flags (a character of the pattern ends here; only JSON strings use them). The steps are
 * {@link #prune} (drop states that cannot reach an accepting one, so the automaton never dead-ends),
 * {@link #minimize} (Hopcroft, keeping boundary flags apart), {@link #jsonString} (quotes and a minimum length around
 * string content) and {@link #compact} into the immutable {@link ByteDfa}.
 */
final class DfaTable {
    private final List<int[]> rows = new ArrayList<>();
    private boolean[] accepting = new boolean[16];
    private boolean[] boundary = new boolean[16];
    int start;

    int size() { return rows.size(); }

    int addState(boolean accepts, boolean atBoundary) {
        int id = rows.size();
        int[] row = new int[256];
        Arrays.fill(row, -1);
        rows.add(row);
        if (id == accepting.length) {
            accepting = Arrays.copyOf(accepting, id * 2);
            boundary = Arrays.copyOf(boundary, id * 2);
        }
        accepting[id] = accepts;
        boundary[id] = atBoundary;
        return id;
    }

    int[] row(int state) { return rows.get(state); }

    boolean accepting(int state) { return accepting[state]; }

    boolean boundary(int state) { return boundary[state]; }

    /**
     * The same language without the states that are unreachable or cannot reach an accepting state; null when the
     * language is empty.
     */
    DfaTable prune() {
        int n = size();
        boolean[] live = new boolean[n];
        // Reverse reachability from the accepting states.
        int[] inCount = new int[n + 1];
        for (int[] row : rows) for (int t : row) if (t >= 0) inCount[t + 1]++;
        for (int i = 0; i < n; i++) inCount[i + 1] += inCount[i];
        int[] sources = new int[inCount[n]];
        int[] fill = Arrays.copyOf(inCount, n);
        for (int s = 0; s < n; s++) {
            int[] row = rows.get(s);
            for (int b = 0; b < 256; b++) {
                int t = row[b];
                if (t >= 0 && (b == 0 || row[b - 1] != t)) sources[fill[t]++] = s; // runs of one target count once
            }
        }
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int s = 0; s < n; s++) if (accepting[s]) { live[s] = true; queue.add(s); }
        while (!queue.isEmpty()) {
            int t = queue.poll();
            for (int i = inCount[t]; i < fill[t]; i++) {
                int s = sources[i];
                if (!live[s]) { live[s] = true; queue.add(s); }
            }
        }
        if (!live[start]) return null;
        // Forward reachability through live states, renumbering.
        int[] id = new int[n];
        Arrays.fill(id, -1);
        DfaTable out = new DfaTable();
        List<Integer> order = new ArrayList<>();
        id[start] = out.addState(accepting[start], boundary[start]);
        order.add(start);
        for (int i = 0; i < order.size(); i++) {
            int[] row = rows.get(order.get(i));
            for (int t : row) {
                if (t >= 0 && live[t] && id[t] < 0) {
                    id[t] = out.addState(accepting[t], boundary[t]);
                    order.add(t);
                }
            }
        }
        for (int i = 0; i < order.size(); i++) {
            int[] row = rows.get(order.get(i)), to = out.rows.get(i);
            for (int b = 0; b < 256; b++) to[b] = row[b] >= 0 && live[row[b]] ? id[row[b]] : -1;
        }
        out.start = 0;
        return out;
    }

    /** Byte classes: bytes that every row maps alike share a class. classOf[256] holds the class count. */
    private int[] byteClasses() {
        int[] classOf = new int[257];
        Map<Column, Integer> seen = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            int[] values = new int[rows.size()];
            for (int s = 0; s < values.length; s++) values[s] = rows.get(s)[b];
            Column column = new Column(values);
            Integer c = seen.get(column);
            if (c == null) {
                c = seen.size();
                seen.put(column, c);
            }
            classOf[b] = c;
        }
        classOf[256] = seen.size();
        return classOf;
    }

    /**
     * The minimal DFA of the same language (Hopcroft's partition refinement), with states of different boundary
     * flags kept apart. Expects a pruned table: every state live.
     */
    DfaTable minimize() {
        int n = size() + 1; // plus a dead sink, so the automaton is complete
        int sink = n - 1;
        int[] classOf = byteClasses();
        int k = classOf[256];
        int[] rep = new int[k];
        for (int b = 255; b >= 0; b--) rep[classOf[b]] = b;
        int[] delta = new int[n * k];
        for (int s = 0; s < n; s++) {
            for (int c = 0; c < k; c++) {
                int t = s == sink ? -1 : rows.get(s)[rep[c]];
                delta[s * k + c] = t < 0 ? sink : t;
            }
        }
        // Inverse transitions per class, as CSR: sources of (c, t) are inv[invStart[c * n + t] .. invStart[c * n + t + 1]).
        int[] invStart = new int[n * k + 1];
        for (int s = 0; s < n; s++) for (int c = 0; c < k; c++) invStart[c * n + delta[s * k + c] + 1]++;
        for (int i = 0; i < n * k; i++) invStart[i + 1] += invStart[i];
        int[] inv = new int[n * k];
        int[] fill = Arrays.copyOf(invStart, n * k);
        for (int s = 0; s < n; s++) for (int c = 0; c < k; c++) inv[fill[c * n + delta[s * k + c]]++] = s;

        // The refinable partition: elems grouped by block; block b is elems[first[b], end[b]).
        int[] elems = new int[n], loc = new int[n], blockOf = new int[n];
        int[] first = new int[n], end = new int[n], marked = new int[n];
        int blocks = 0;
        Map<Integer, Integer> initial = new HashMap<>();
        int[] keyOf = new int[n];
        for (int s = 0; s < n; s++) {
            keyOf[s] = s == sink ? 4 : (accepting[s] ? 2 : 0) + (boundary[s] ? 1 : 0);
            initial.merge(keyOf[s], 1, Integer::sum);
        }
        Map<Integer, Integer> blockOfKey = new HashMap<>();
        int pos = 0;
        for (int key = 0; key <= 4; key++) {
            Integer count = initial.get(key);
            if (count == null) continue;
            blockOfKey.put(key, blocks);
            first[blocks] = end[blocks] = pos;
            pos += count;
            blocks++;
        }
        for (int s = 0; s < n; s++) {
            int b = blockOfKey.get(keyOf[s]);
            blockOf[s] = b;
            loc[s] = end[b];
            elems[end[b]++] = s;
        }
        boolean[] inWork = new boolean[n * k];
        ArrayDeque<int[]> work = new ArrayDeque<>();
        for (int b = 0; b < blocks; b++) {
            for (int c = 0; c < k; c++) {
                inWork[b * k + c] = true;
                work.add(new int[] {b, c});
            }
        }
        int[] splitters = new int[n];
        int[] touched = new int[n];
        while (!work.isEmpty()) {
            int[] w = work.poll();
            int a = w[0], c = w[1];
            inWork[a * k + c] = false;
            // Collect the states that move into block a on class c, then mark them in their blocks.
            int count = 0;
            for (int i = first[a]; i < end[a]; i++) {
                int t = elems[i];
                for (int j = invStart[c * n + t]; j < invStart[c * n + t + 1]; j++) splitters[count++] = inv[j];
            }
            int touchedCount = 0;
            for (int i = 0; i < count; i++) {
                int s = splitters[i];
                int b = blockOf[s];
                if (loc[s] < first[b] + marked[b]) continue; // already marked
                if (marked[b] == 0) touched[touchedCount++] = b;
                int swapWith = elems[first[b] + marked[b]];
                elems[loc[s]] = swapWith;
                loc[swapWith] = loc[s];
                elems[first[b] + marked[b]] = s;
                loc[s] = first[b] + marked[b];
                marked[b]++;
            }
            for (int i = 0; i < touchedCount; i++) {
                int b = touched[i];
                int m = marked[b];
                marked[b] = 0;
                if (m == end[b] - first[b]) continue;
                int nb = blocks++; // the marked part becomes a new block
                first[nb] = first[b];
                end[nb] = first[b] + m;
                first[b] = end[nb];
                for (int j = first[nb]; j < end[nb]; j++) blockOf[elems[j]] = nb;
                int smaller = end[nb] - first[nb] <= end[b] - first[b] ? nb : b;
                for (int d = 0; d < k; d++) {
                    int add = inWork[b * k + d] ? nb : smaller;
                    if (!inWork[add * k + d]) {
                        inWork[add * k + d] = true;
                        work.add(new int[] {add, d});
                    }
                }
            }
        }
        // One state per block, the sink's block left out (every other state is live, so none shares it).
        int sinkBlock = blockOf[sink];
        int[] newId = new int[blocks];
        Arrays.fill(newId, -1);
        DfaTable out = new DfaTable();
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        int sb = blockOf[start];
        newId[sb] = out.addState(accepting[start], boundary[start]);
        queue.add(sb);
        List<Integer> order = new ArrayList<>();
        while (!queue.isEmpty()) {
            int b = queue.poll();
            order.add(b);
            int s = elems[first[b]];
            for (int c = 0; c < k; c++) {
                int tb = blockOf[delta[s * k + c]];
                if (tb != sinkBlock && newId[tb] < 0) {
                    int t = elems[first[tb]];
                    newId[tb] = out.addState(accepting[t], boundary[t]);
                    queue.add(tb);
                }
            }
        }
        for (int b : order) {
            int s = elems[first[b]];
            int[] row = out.rows.get(newId[b]);
            for (int x = 0; x < 256; x++) {
                int tb = blockOf[delta[s * k + classOf[x]]];
                row[x] = tb == sinkBlock ? -1 : newId[tb];
            }
        }
        out.start = 0;
        return out;
    }

    /**
     * A JSON string whose content this (content) DFA matches, with at least minLength characters: an opening
     * quote, the content (counting characters up to minLength, read from the boundary flags), and a closing quote
     * once the content is accepted and long enough. Content never has a raw quote at a character boundary, so the
     * closing quote cannot be confused with it. The new start state and the state after the closing quote are not
     * boundaries; the content states keep their flags. Not pruned.
     */
    DfaTable jsonString(int minLength, String what) {
        DfaTable out = new DfaTable();
        int open = out.addState(false, false);
        int close = out.addState(true, false);
        Map<Long, Integer> ids = new HashMap<>();
        ArrayDeque<long[]> queue = new ArrayDeque<>();
        BiFunction<Integer, Integer, Integer> state = (d, c) -> {
            long key = (long) d << 32 | c;
            Integer id = ids.get(key);
            if (id == null) {
                if (out.size() >= ByteNfa.MAX_DFA_STATES)
                    throw new GuideException(what + ": regex too complex" + (minLength > 0 ? " together with minLength " + minLength : "")
                            + " (its automaton would need more than " + ByteNfa.MAX_DFA_STATES + " states)");
                id = out.addState(false, boundary[d]);
                ids.put(key, id);
                queue.add(new long[] {d, c, id});
            }
            return id;
        };
        out.row(open)['"'] = state.apply(start, 0);
        while (!queue.isEmpty()) {
            long[] q = queue.poll();
            int d = (int) q[0], c = (int) q[1], id = (int) q[2];
            int[] from = rows.get(d);
            // A character starts at each byte read from a boundary: count it, up to minLength.
            int next = boundary[d] ? Math.min(minLength, c + 1) : c;
            for (int b = 0; b < 256; b++) {
                if (from[b] >= 0) out.row(id)[b] = state.apply(from[b], next);
            }
            if (accepting[d] && c >= minLength) {
                if (from['"'] >= 0) throw new IllegalStateException("string content has a raw quote at a boundary");
                out.row(id)['"'] = close;
            }
        }
        out.start = open;
        return out;
    }

    /**
     * The DFA of the strings both accept (the product of two content DFAs of the same encoding, whose boundary
     * flags then agree). Not pruned.
     */
    DfaTable intersect(DfaTable other, String what) {
        DfaTable out = new DfaTable();
        Map<Long, Integer> ids = new HashMap<>();
        ArrayDeque<int[]> queue = new ArrayDeque<>();
        BiFunction<Integer, Integer, Integer> state = (a, b) -> {
            long key = (long) a << 32 | b;
            Integer id = ids.get(key);
            if (id == null) {
                if (out.size() >= ByteNfa.MAX_DFA_STATES)
                    throw new GuideException(what + ": regex too complex (its automaton would need more than " + ByteNfa.MAX_DFA_STATES + " states)");
                if (boundary[a] != other.boundary[b]) throw new IllegalStateException("content automata disagree on character boundaries");
                id = out.addState(accepting[a] && other.accepting[b], boundary[a]);
                ids.put(key, id);
                queue.add(new int[] {a, b, id});
            }
            return id;
        };
        out.start = state.apply(start, other.start);
        while (!queue.isEmpty()) {
            int[] q = queue.poll();
            int[] ra = rows.get(q[0]), rb = other.rows.get(q[1]);
            for (int x = 0; x < 256; x++) {
                if (ra[x] >= 0 && rb[x] >= 0) {
                    int t = state.apply(ra[x], rb[x]);
                    out.row(q[2])[x] = t;
                }
            }
        }
        return out;
    }

    /** The immutable form, with byte classes. */
    ByteDfa compact() {
        int[] classOf = byteClasses();
        int k = classOf[256];
        int n = size();
        int[] table = new int[n * k];
        for (int s = 0; s < n; s++) {
            int[] row = rows.get(s);
            for (int b = 0; b < 256; b++) table[s * k + classOf[b]] = row[b];
        }
        return new ByteDfa(start, n, k, Arrays.copyOf(classOf, 256), table, Arrays.copyOf(accepting, n), Arrays.copyOf(boundary, n));
    }

    private record Column(int[] values) {
        @Override public boolean equals(Object o) { return o instanceof Column c && Arrays.equals(values, c.values); }

        @Override public int hashCode() { return Arrays.hashCode(values); }
    }
}
