package ai.baton.engine.tokenizer;

/**
 * Open-addressing hash map from a token-id pair to its merge rank. Avoids boxing and string concatenation on the BPE
 * hot path, where its lookups are most of an uncached word's cost: a lookup is usually a cache miss, so the table is
 * kept small. When ids fit in 21 bits and ranks in 22 (every real vocabulary: 2M ids, 4M merges), a slot is one long
 * (left | right | rank) and the table is sized for a load of about 0.6 (2 MB for 151K merges); otherwise a slot is
 * two longs (pair, rank).
 */
final class PairRankMap {
    private static final long EMPTY = -1L; // no pair packs to this: ids are non-negative (and below 2^21 - 1 when compact)
    private static final int ID_BITS = 21, RANK_BITS = 22;
    private static final long RANK_MASK = (1L << RANK_BITS) - 1;

    private final boolean compact;
    /** compact: slot i is table[i] = left << 43 | right << 22 | rank; else table[2i] = pack(left, right), table[2i + 1] = rank. */
    private final long[] table;
    private final int mask;
    private int size;

    /** A map for up to {@code expected} merges (ranks below it) of ids up to {@code maxId}. */
    PairRankMap(int expected, int maxId) {
        compact = maxId < (1 << ID_BITS) - 1 && expected <= (1 << RANK_BITS);
        int cap = compact
                ? Integer.highestOneBit(Math.max(4, (int) Math.ceil(expected / 0.6) - 1)) << 1
                : Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        table = new long[compact ? cap : 2 * cap];
        if (compact) java.util.Arrays.fill(table, EMPTY);
        else for (int i = 0; i < table.length; i += 2) table[i] = EMPTY;
        mask = cap - 1;
    }

    static long pack(int left, int right) { return ((long) left << 32) | (right & 0xFFFFFFFFL); }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }

    /** Sets the rank of a pair, replacing an earlier one (a later duplicate merge wins, as in HF). */
    void put(int left, int right, int rank) {
        if (compact) {
            if (left < 0 || right < 0 || left >= (1 << ID_BITS) - 1 || right >= (1 << ID_BITS) - 1 || rank < 0 || rank > RANK_MASK)
                throw new IllegalArgumentException("pair (" + left + ", " + right + ") rank " + rank + " out of range");
            long key = ((long) left << ID_BITS) | right;
            int i = slot(key);
            while (table[i] != EMPTY && (table[i] >>> RANK_BITS) != key) i = (i + 1) & mask;
            if (table[i] == EMPTY && ++size * 4 > (mask + 1) * 3) throw new IllegalStateException("PairRankMap over capacity");
            table[i] = (key << RANK_BITS) | rank;
            return;
        }
        long key = pack(left, right);
        int i = slot(key);
        while (table[2 * i] != EMPTY && table[2 * i] != key) i = (i + 1) & mask;
        if (table[2 * i] == EMPTY) {
            if (++size * 4 > (mask + 1) * 3) throw new IllegalStateException("PairRankMap over capacity");
            table[2 * i] = key;
        }
        table[2 * i + 1] = rank;
    }

    /** The merge rank of (left, right), or -1 when the pair never merges. */
    int rank(int left, int right) {
        if (compact) {
            if (((left | right) >>> ID_BITS) != 0) return -1; // negative or too large: not a stored pair
            long key = ((long) left << ID_BITS) | right;
            int i = slot(key);
            while (true) {
                long e = table[i];
                if (e == EMPTY) return -1;
                if ((e >>> RANK_BITS) == key) return (int) (e & RANK_MASK);
                i = (i + 1) & mask;
            }
        }
        long key = pack(left, right);
        int i = slot(key);
        while (true) {
            long k = table[2 * i];
            if (k == key) return (int) table[2 * i + 1];
            if (k == EMPTY) return -1;
            i = (i + 1) & mask;
        }
    }

    int size() { return size; }
}
