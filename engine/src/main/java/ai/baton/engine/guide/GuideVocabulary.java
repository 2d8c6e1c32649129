package ai.baton.engine.guide;

import ai.baton.engine.tokenizer.AddedToken;
import ai.baton.engine.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * A model's vocabulary as a byte trie, built once per tokenizer and shared (immutable, thread-safe). A mask is
 * one depth-first walk of the trie that feeds each edge byte to the automaton once for all tokens sharing
 * that prefix, and accepts a whole subtree at once when it lies inside a string and every byte below is
 * string-safe, or inside a regular-expression match whose DFA state reads every byte below (per-node sets of
 * the ASCII bytes below).
 *
 * <p>Tokens that are special or added (other than EOS, handled apart) and ids without bytes are never
 * in the trie, so they are never allowed.
 */
public final class GuideVocabulary {
    private final int vocabSize;
    private final byte[][] tokenBytes;
    private final int[] eosIds;
    private final boolean[] isEos;
    private final boolean[] inTrie;

    // The trie, nodes in depth-first preorder: a node's first child is the next node, siblings are linked.
    private final int[] sortedIds;      // trie tokens sorted by bytes: every subtree is a contiguous range
    private final int[] rangeStart;     // node's subtree tokens are sortedIds[rangeStart, rangeEnd)
    private final int[] ownEnd;         // tokens ending exactly at the node are sortedIds[rangeStart, ownEnd)
    private final int[] rangeEnd;
    private final int[] firstChild;     // -1 for a leaf
    private final int[] nextSibling;    // -1 for the last child
    private final byte[] edge;          // the byte leading into the node
    private final byte[] stringSafe;    // bit s: every byte path below reads as JSON string content from UTF-8 state s
    private final int[] depthBelow;     // the longest byte path below the node
    private final long[] asciiLo;       // the ASCII bytes 0..63 on edges below the node, as bits
    private final long[] asciiHi;       // and 64..127

    private GuideVocabulary(byte[][] tokenBytes, boolean[] excluded, Set<Integer> eos) {
        this.vocabSize = tokenBytes.length;
        this.tokenBytes = tokenBytes;
        this.eosIds = eos.stream().mapToInt(Integer::intValue).filter(id -> id >= 0 && id < vocabSize).sorted().toArray();
        this.isEos = new boolean[vocabSize];
        for (int id : eosIds) isEos[id] = true;
        this.sortedIds = IntStream.range(0, vocabSize)
                .filter(id -> tokenBytes[id] != null && tokenBytes[id].length > 0 && !excluded[id] && !isEos[id])
                .boxed().sorted(Comparator.comparing((Integer id) -> tokenBytes[id], Arrays::compareUnsigned)).mapToInt(Integer::intValue).toArray();
        this.inTrie = new boolean[vocabSize];
        for (int id : sortedIds) inTrie[id] = true;
        Builder b = new Builder(sortedIds, tokenBytes);
        b.build(0, sortedIds.length, 0, 0);
        int n = b.count;
        this.rangeStart = Arrays.copyOf(b.rangeStart, n);
        this.ownEnd = Arrays.copyOf(b.ownEnd, n);
        this.rangeEnd = Arrays.copyOf(b.rangeEnd, n);
        this.firstChild = Arrays.copyOf(b.firstChild, n);
        this.nextSibling = Arrays.copyOf(b.nextSibling, n);
        this.edge = Arrays.copyOf(b.edge, n);
        this.stringSafe = new byte[n];
        this.depthBelow = new int[n];
        this.asciiLo = new long[n];
        this.asciiHi = new long[n];
        for (int node = n - 1; node >= 0; node--) { // children come after their parent
            int safe = (1 << Utf8.STATES) - 1, depth = 0;
            long lo = 0, hi = 0;
            for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
                depth = Math.max(depth, 1 + depthBelow[c]);
                int e = edge[c] & 0xFF;
                lo |= asciiLo[c] | (e < 64 ? 1L << e : 0);
                hi |= asciiHi[c] | (e >= 64 && e < 128 ? 1L << e : 0);
                for (int s = 0; s < Utf8.STATES; s++) {
                    int t = Utf8.nextInJsonString(s, edge[c] & 0xFF);
                    if (t < 0 || (stringSafe[c] >> t & 1) == 0) safe &= ~(1 << s);
                }
            }
            stringSafe[node] = (byte) safe;
            depthBelow[node] = depth;
            asciiLo[node] = lo;
            asciiHi[node] = hi;
        }
    }

    /** The vocabulary of a byte-level tokenizer; ids up to vocabSize (the model's, may be larger) without bytes are never allowed. */
    public static GuideVocabulary of(Tokenizer tokenizer, int vocabSize, Set<Integer> eosIds) {
        Objects.requireNonNull(tokenizer, "tokenizer");
        byte[][] bytes = new byte[vocabSize][];
        boolean[] excluded = new boolean[vocabSize];
        for (int id = 0; id < vocabSize; id++) bytes[id] = tokenizer.tokenBytes(id);
        for (AddedToken t : tokenizer.addedTokens()) if (t.id() < vocabSize) excluded[t.id()] = true;
        return new GuideVocabulary(bytes, excluded, Set.copyOf(eosIds));
    }

    /** A vocabulary from raw token bytes (null: no such token); special tokens are never allowed, EOS ids only at the end. */
    public static GuideVocabulary of(byte[][] tokenBytes, boolean[] special, Set<Integer> eosIds) {
        if (special.length != tokenBytes.length) throw new IllegalArgumentException("special has " + special.length + " flags for " + tokenBytes.length + " tokens");
        byte[][] copy = new byte[tokenBytes.length][];
        for (int i = 0; i < copy.length; i++) copy[i] = tokenBytes[i] == null ? null : tokenBytes[i].clone();
        return new GuideVocabulary(copy, special.clone(), Set.copyOf(eosIds));
    }

    public int vocabSize() { return vocabSize; }

    /** Length of the long[] a mask needs. */
    public int maskWords() { return (vocabSize + 63) >>> 6; }

    int[] eosIds() { return eosIds; }

    boolean isEos(int id) { return id >= 0 && id < vocabSize && isEos[id]; }

    /** The token's bytes if it may ever appear in guided output (not special, not EOS), else null. */
    byte[] tokenBytes(int id) { return id >= 0 && id < vocabSize && inTrie[id] ? tokenBytes[id] : null; }

    /** Sets the bits of every trie token that the automaton accepts from the given readings. */
    void markAllowed(ParseStack[] threads, long[] mask) {
        if (sortedIds.length > 0) walk(0, threads, mask);
    }

    private void walk(int node, ParseStack[] threads, long[] mask) {
        if (threads.length == 1 && threads[0].top() instanceof Frame.Str str && str.escape() == 0) {
            walkString(node, str, threads[0].rest(), str.utf8(), str.count(), mask);
            return;
        }
        if (threads.length == 1 && threads[0].top() instanceof Frame.Match m && (!m.rule().dfa.accepting(m.state()) || threads[0].rest().isEmpty())) {
            walkMatch(node, m.rule(), threads[0].rest(), m.state(), m.count(), mask);
            return;
        }
        for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
            ParseStack[] next = ByteAutomaton.step(threads, edge[c] & 0xFF);
            if (next == null) continue;
            if (wholeSubtreeInString(c, next)) {
                mark(rangeStart[c], rangeEnd[c], mask);
                continue;
            }
            mark(rangeStart[c], ownEnd[c], mask);
            if (firstChild[c] >= 0) walk(c, next, mask);
        }
    }

    /**
     * The walk while the only reading is plain string content: the same steps as the automaton's, on two
     * ints and without allocating, until a quote or backslash hands back to the automaton.
     */
    private void walkString(int node, Frame.Str str, ParseStack rest, int utf8, int count, long[] mask) {
        int max = str.rule().maxLength;
        for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
            int b = edge[c] & 0xFF;
            if (utf8 == Utf8.BOUNDARY && (b == '"' || b == '\\')) {
                ParseStack here = ParseStack.push(new Frame.Str(str.rule(), count, (byte) utf8, (byte) 0), rest);
                ParseStack[] next = ByteAutomaton.step(new ParseStack[] {here}, b);
                if (next == null) continue;
                mark(rangeStart[c], ownEnd[c], mask);
                if (firstChild[c] >= 0) walk(c, next, mask);
                continue;
            }
            if (utf8 == Utf8.BOUNDARY && count >= max) continue;
            int u = Utf8.nextInJsonString(utf8, b);
            if (u < 0) continue;
            int n = u == Utf8.BOUNDARY ? count + 1 : count;
            if ((stringSafe[c] >> u & 1) != 0 && depthBelow[c] <= max - n) {
                mark(rangeStart[c], rangeEnd[c], mask);
                continue;
            }
            mark(rangeStart[c], ownEnd[c], mask);
            if (firstChild[c] >= 0) walkString(c, str, rest, u, n, mask);
        }
    }

    /**
     * The walk while the only reading is a regular-expression match (and no later piece could take the next byte):
     * one DFA lookup per edge, without allocating. A subtree is accepted whole when {@link #freeBelow} says every
     * path below is read.
     */
    private void walkMatch(int node, RegexRule rule, ParseStack rest, int state, int count, long[] mask) {
        ByteDfa dfa = rule.dfa;
        for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
            int t = dfa.next(state, edge[c] & 0xFF);
            if (t < 0) continue;
            if (dfa.terminal(t)) { // the match ends with this byte: what follows belongs to the rest
                mark(rangeStart[c], ownEnd[c], mask);
                if (firstChild[c] >= 0 && !rest.isEmpty()) walk(c, new ParseStack[] {rest}, mask);
                continue;
            }
            int n = count;
            if (rule.counts()) {
                if (dfa.boundary(state)) n++;
                if (n + dfa.minRemaining(t) > rule.maxLength) continue;
            }
            if (dfa.accepting(t) && !rest.isEmpty()) { // the next byte may also belong to the rest
                mark(rangeStart[c], ownEnd[c], mask);
                if (firstChild[c] >= 0) walk(c, new ParseStack[] {ParseStack.push(new Frame.Match(rule, t, n), rest)}, mask);
                continue;
            }
            if (freeBelow(c, rule, t, n)) {
                mark(rangeStart[c], rangeEnd[c], mask);
                continue;
            }
            mark(rangeStart[c], ownEnd[c], mask);
            if (firstChild[c] >= 0) walkMatch(c, rule, rest, t, n, mask);
        }
    }

    /**
     * Whether every byte path below node is read by the match from DFA state t, n characters started: t is a wide
     * state, the paths are string-safe UTF-8 without its excluded ASCII bytes and no longer than its safe depth,
     * and (maxLength) cannot count past the limit.
     */
    private boolean freeBelow(int node, RegexRule rule, int t, int n) {
        ByteDfa dfa = rule.dfa;
        int set = dfa.wideSet(t);
        if (set < 0 || (stringSafe[node] & 1 << Utf8.BOUNDARY) == 0 || depthBelow[node] > dfa.safeDepth(t)) return false;
        if ((asciiLo[node] & dfa.excludedLo(set)) != 0 || (asciiHi[node] & dfa.excludedHi(set)) != 0) return false;
        return !rule.counts() || (long) n + depthBelow[node] + dfa.maxMinRemaining() <= rule.maxLength;
    }

    /** Whether some reading is inside a string or match that every byte path below node continues without leaving. */
    private boolean wholeSubtreeInString(int node, ParseStack[] threads) {
        for (ParseStack s : threads) {
            if (s.top() instanceof Frame.Str str && str.escape() == 0 && (stringSafe[node] >> str.utf8() & 1) != 0
                    && depthBelow[node] <= str.rule().maxLength - str.count()) return true;
            if (s.top() instanceof Frame.Match m && freeBelow(node, m.rule(), m.state(), m.count())) return true;
        }
        return false;
    }

    private void mark(int from, int to, long[] mask) {
        for (int i = from; i < to; i++) {
            int id = sortedIds[i];
            mask[id >> 6] |= 1L << id;
        }
    }

    /** Builds the preorder trie arrays from the sorted token list. */
    private static final class Builder {
        final int[] ids;
        final byte[][] bytes;
        int count;
        int[] rangeStart = new int[1024], ownEnd = new int[1024], rangeEnd = new int[1024], firstChild = new int[1024], nextSibling = new int[1024];
        byte[] edge = new byte[1024];

        Builder(int[] ids, byte[][] bytes) {
            this.ids = ids;
            this.bytes = bytes;
        }

        /** The node for tokens ids[lo, hi), which share their first depth bytes. */
        int build(int lo, int hi, int depth, int edgeByte) {
            int node = count++;
            grow();
            edge[node] = (byte) edgeByte;
            rangeStart[node] = lo;
            rangeEnd[node] = hi;
            nextSibling[node] = -1;
            int i = lo;
            while (i < hi && bytes[ids[i]].length == depth) i++; // shorter sorts first
            ownEnd[node] = i;
            firstChild[node] = i < hi ? node + 1 : -1;
            int previous = -1;
            while (i < hi) {
                int b = bytes[ids[i]][depth] & 0xFF, j = i;
                while (j < hi && (bytes[ids[j]][depth] & 0xFF) == b) j++;
                int child = build(i, j, depth + 1, b);
                if (previous >= 0) nextSibling[previous] = child;
                previous = child;
                i = j;
            }
            return node;
        }

        private void grow() {
            if (count <= edge.length) return;
            int n = edge.length * 2;
            rangeStart = Arrays.copyOf(rangeStart, n);
            ownEnd = Arrays.copyOf(ownEnd, n);
            rangeEnd = Arrays.copyOf(rangeEnd, n);
            firstChild = Arrays.copyOf(firstChild, n);
            nextSibling = Arrays.copyOf(nextSibling, n);
            edge = Arrays.copyOf(edge, n);
        }
    }
}
