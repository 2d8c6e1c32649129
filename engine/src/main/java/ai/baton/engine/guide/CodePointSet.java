package ai.baton.engine.guide;

import java.util.Arrays;

/**
 * An immutable set of Unicode code points (0..U+10FFFF) as sorted, disjoint, non-adjacent closed ranges: what one
 * character of a regular expression may be. Surrogates (U+D800..U+DFFF) may be members, but no UTF-8 encodes
 * them, so they never reach the automaton.
 */
final class CodePointSet {
    static final int MAX = 0x10FFFF;
    static final CodePointSet EMPTY = new CodePointSet(new int[0]);
    static final CodePointSet ALL = range(0, MAX);

    /** ASCII digits, as {@code \d} (Python's re.ASCII, and Java's default). */
    static final CodePointSet DIGIT = range('0', '9');
    /** ASCII word characters, as {@code \w}. */
    static final CodePointSet WORD = of('0', '9', 'A', 'Z', '_', '_', 'a', 'z');
    /** ASCII whitespace, as {@code \s}: space, tab, LF, VT, FF, CR. */
    static final CodePointSet SPACE = of(' ', ' ', '\t', '\r');
    /** What {@code .} matches: every code point but LF. */
    static final CodePointSet DOT = of(0, '\n' - 1, '\n' + 1, MAX);

    /** lo0, hi0, lo1, hi1, ...: sorted, disjoint and non-adjacent. */
    private final int[] ranges;

    private CodePointSet(int[] ranges) { this.ranges = ranges; }

    static CodePointSet single(int cp) { return range(cp, cp); }

    static CodePointSet range(int lo, int hi) {
        if (lo < 0 || hi > MAX || lo > hi) throw new IllegalArgumentException("bad range " + lo + ".." + hi);
        return new CodePointSet(new int[] {lo, hi});
    }

    /** The union of the ranges given as lo, hi pairs, in any order. */
    static CodePointSet of(int... pairs) {
        Builder b = new Builder();
        for (int i = 0; i < pairs.length; i += 2) b.add(pairs[i], pairs[i + 1]);
        return b.build();
    }

    int rangeCount() { return ranges.length / 2; }

    int lo(int i) { return ranges[2 * i]; }

    int hi(int i) { return ranges[2 * i + 1]; }

    boolean isEmpty() { return ranges.length == 0; }

    boolean contains(int cp) {
        int i = Arrays.binarySearch(ranges, cp);
        return i >= 0 || (-i - 1) % 2 == 1; // inside [lo, hi] when the insertion point follows a lo
    }

    CodePointSet union(CodePointSet other) {
        Builder b = new Builder();
        b.addAll(this);
        b.addAll(other);
        return b.build();
    }

    /** Every code point (0..U+10FFFF) not in this set. */
    CodePointSet complement() {
        Builder b = new Builder();
        int next = 0;
        for (int i = 0; i < rangeCount(); i++) {
            if (lo(i) > next) b.add(next, lo(i) - 1);
            next = hi(i) + 1;
        }
        if (next <= MAX) b.add(next, MAX);
        return b.build();
    }

    CodePointSet minus(CodePointSet other) { return complement().union(other).complement(); }

    @Override public boolean equals(Object o) { return o instanceof CodePointSet s && Arrays.equals(ranges, s.ranges); }

    @Override public int hashCode() { return Arrays.hashCode(ranges); }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < rangeCount(); i++) sb.append(i == 0 ? "" : " ").append(Integer.toHexString(lo(i))).append('-').append(Integer.toHexString(hi(i)));
        return sb.append(']').toString();
    }

    /** Collects ranges in any order; {@link #build} sorts and merges them. */
    static final class Builder {
        private int[] pairs = new int[16];
        private int n;

        Builder add(int lo, int hi) {
            if (lo < 0 || hi > MAX || lo > hi) throw new IllegalArgumentException("bad range " + lo + ".." + hi);
            if (n + 2 > pairs.length) pairs = Arrays.copyOf(pairs, pairs.length * 2);
            pairs[n++] = lo;
            pairs[n++] = hi;
            return this;
        }

        Builder addAll(CodePointSet s) {
            for (int i = 0; i < s.rangeCount(); i++) add(s.lo(i), s.hi(i));
            return this;
        }

        CodePointSet build() {
            int count = n / 2;
            long[] sorted = new long[count];
            for (int i = 0; i < count; i++) sorted[i] = ((long) pairs[2 * i] << 32) | pairs[2 * i + 1];
            Arrays.sort(sorted);
            int[] out = new int[n];
            int m = 0;
            for (long r : sorted) {
                int lo = (int) (r >>> 32), hi = (int) r;
                if (m > 0 && lo <= out[m - 1] + 1) out[m - 1] = Math.max(out[m - 1], hi);
                else {
                    out[m++] = lo;
                    out[m++] = hi;
                }
            }
            return new CodePointSet(Arrays.copyOf(out, m));
        }
    }
}
