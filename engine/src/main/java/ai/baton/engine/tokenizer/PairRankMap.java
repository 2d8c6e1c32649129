package ai.baton.engine.tokenizer;

import java.util.Arrays;

/**
 * Open-addressing hash map from a token-id pair (packed into one long) to its merge rank.
 * Avoids boxing and string concatenation on the BPE hot path.
 */
final class PairRankMap {
    private static final long EMPTY = -1L; // no valid pair packs to this: ids are non-negative
    private final long[] keys;
    private final int[] ranks;
    private final int mask;
    private int size;

    PairRankMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[cap];
        ranks = new int[cap];
        Arrays.fill(keys, EMPTY);
        mask = cap - 1;
    }

    static long pack(int left, int right) { return ((long) left << 32) | (right & 0xFFFFFFFFL); }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    /** Sets the rank of a pair, replacing an earlier one (a later duplicate merge wins, as in HF). */
    void put(int left, int right, int rank) {
        long key = pack(left, right);
        int i = slot(key);
        while (keys[i] != EMPTY && keys[i] != key) i = (i + 1) & mask;
        if (keys[i] == EMPTY) {
            if (++size * 4 > keys.length * 3) throw new IllegalStateException("PairRankMap over capacity");
            keys[i] = key;
        }
        ranks[i] = rank;
    }

    /** The merge rank of (left, right), or -1 when the pair never merges. */
    int rank(int left, int right) {
        long key = pack(left, right);
        int i = slot(key);
        while (true) {
            long k = keys[i];
            if (k == key) return ranks[i];
            if (k == EMPTY) return -1;
            i = (i + 1) & mask;
        }
    }

    int size() { return size; }
}
