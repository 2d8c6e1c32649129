package ai.baton.engine.tokenizer;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model: a word (already in the byte-level alphabet) starts as one symbol per character, then
 * the adjacent pair with the lowest merge rank is merged (leftmost first on ties) until none is left.
 * That order equals HF's, so ids are identical.
 */
final class BpeModel {
    private static final int CACHE_CAPACITY = 50_000;
    private static final int CACHEABLE_WORD_LENGTH = 128;
    /** Words of up to this many symbols merge by scanning an array of pair ranks; longer ones use a heap. */
    private static final int LINEAR_MAX = 48;

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final PairRankMap ranks;
    private final int[] mergedId; // by rank
    private final boolean ignoreMerges;
    private final int unkId; // -1 when there is no unk token: unknown characters are dropped, as HF does
    private final int[] charIds = new int[512]; // single-character tokens of the byte-level alphabet
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();
    /** Rank of the pair of the two bytes' single-character tokens (a word's first pairs): 256 KB that stays in cache. */
    private final int[] bytePairRank = new int[1 << 16];

    BpeModel(Map<String, Integer> vocab, String[] idToToken, PairRankMap ranks, int[] mergedId, boolean ignoreMerges, int unkId) {
        this.vocab = vocab;
        this.idToToken = idToToken;
        this.ranks = ranks;
        this.mergedId = mergedId;
        this.ignoreMerges = ignoreMerges;
        this.unkId = unkId;
        for (char c = 0; c < charIds.length; c++) charIds[c] = vocab.getOrDefault(String.valueOf(c), -1);
        for (int a = 0; a < 256; a++) {
            int ia = charIds[ByteLevelAlphabet.charOf(a)];
            for (int b = 0; b < 256; b++) {
                int ib = charIds[ByteLevelAlphabet.charOf(b)];
                bytePairRank[a << 8 | b] = ia < 0 || ib < 0 ? -1 : ranks.rank(ia, ib);
            }
        }
    }

    Integer tokenId(String token) { return vocab.get(token); }

    String tokenString(int id) { return id >= 0 && id < idToToken.length ? idToToken[id] : null; }

    int maxId() { return idToToken.length - 1; }

    int mergeCount() { return mergedId.length; }

    /** Appends the ids of one pre-tokenized word. */
    void encodeWord(String word, IntList out) {
        if (word.isEmpty()) return;
        if (ignoreMerges) { // Llama 3: a word that is itself a token is never split
            Integer id = vocab.get(word);
            if (id != null) { out.add(id); return; }
        }
        if (word.length() <= 2) { // one rank lookup at most: cheaper than the cache
            encodeShort(word, out);
            return;
        }
        int[] cached = cache.get(word);
        if (cached == null) {
            cached = merge(word);
            if (word.length() <= CACHEABLE_WORD_LENGTH && cache.size() < CACHE_CAPACITY) cache.put(word, cached);
        }
        out.addAll(cached);
    }

    /** A word of one or two characters: what {@link #merge} gives, without its arrays (hot: most words are short). */
    private void encodeShort(String word, IntList out) {
        int a = initialId(word, 0), byteA = byteIfInitial(word, 0, a);
        if (a < 0) a = unkId;
        if (word.length() == 1) {
            if (a >= 0) out.add(a);
            return;
        }
        int b = initialId(word, 1), byteB = byteIfInitial(word, 1, b);
        if (b < 0) b = unkId;
        if (a < 0 || b < 0) {
            if (a >= 0) out.add(a);
            if (b >= 0) out.add(b);
            return;
        }
        int r = byteA >= 0 && byteB >= 0 ? bytePairRank[byteA << 8 | byteB] : ranks.rank(a, b);
        if (r < 0) {
            out.add(a);
            out.add(b);
        } else {
            out.add(mergedId[r]);
        }
    }

    /** The byte that character i stands for when it has an initial symbol of the byte-level alphabet, else -1. */
    private int byteIfInitial(String word, int i, int id) {
        char c = word.charAt(i);
        return id >= 0 && c < charIds.length ? ByteLevelAlphabet.byteOf(c) : -1;
    }

    private int initialId(String word, int i) {
        char c = word.charAt(i);
        if (c < charIds.length) return charIds[c];
        return vocab.getOrDefault(String.valueOf(c), -1);
    }

    private int[] merge(String word) {
        int n = word.length();
        int[] sym = new int[n];
        int[] byteOf = new int[n]; // the byte a symbol's character stands for, or -1
        int count = 0;
        for (int i = 0; i < n; i++) {
            int id = initialId(word, i);
            int b = byteIfInitial(word, i, id);
            if (id < 0) id = unkId;
            if (id >= 0) { byteOf[count] = b; sym[count++] = id; }
        }
        if (count <= 1) return Arrays.copyOf(sym, count);
        int[] init = new int[count]; // init[k]: rank of (sym[k], sym[k + 1]), -1 for none
        for (int k = 0; k + 1 < count; k++) {
            init[k] = byteOf[k] >= 0 && byteOf[k + 1] >= 0 ? bytePairRank[byteOf[k] << 8 | byteOf[k + 1]] : ranks.rank(sym[k], sym[k + 1]);
        }
        init[count - 1] = -1;
        if (count == 2) return init[0] < 0 ? Arrays.copyOf(sym, 2) : new int[] {mergedId[init[0]]};
        return count <= LINEAR_MAX ? mergeByScan(sym, count, init) : mergeByHeap(sym, count, init);
    }

    /** A pair's rank, with "never merges" as Integer.MAX_VALUE so that the lowest rank is a plain minimum. */
    private int rankOrMax(int left, int right) {
        int r = ranks.rank(left, right);
        return r < 0 ? Integer.MAX_VALUE : r;
    }

    /**
     * For short words: the rank of every adjacent pair in an array, the lowest (leftmost on ties) found by a scan,
     * the merged symbol and its two new pairs updated in place. Same merges, same order as the heap.
     */
    private int[] mergeByScan(int[] sym, int len, int[] init) {
        int[] rk = init; // rk[k]: rank of (sym[k], sym[k + 1]), never-merging pairs as Integer.MAX_VALUE
        for (int k = 0; k + 1 < len; k++) if (rk[k] < 0) rk[k] = Integer.MAX_VALUE;
        while (len > 1) {
            int best = -1, bestRank = Integer.MAX_VALUE;
            for (int k = 0; k + 1 < len; k++) {
                if (rk[k] < bestRank) { bestRank = rk[k]; best = k; }
            }
            if (best < 0) break;
            sym[best] = mergedId[bestRank];
            // drop symbol best + 1 and the pair that started at it
            System.arraycopy(sym, best + 2, sym, best + 1, len - best - 2);
            if (len - best - 3 > 0) System.arraycopy(rk, best + 2, rk, best + 1, len - best - 3);
            len--;
            if (best > 0) rk[best - 1] = rankOrMax(sym[best - 1], sym[best]);
            if (best + 1 < len) rk[best] = rankOrMax(sym[best], sym[best + 1]);
        }
        return Arrays.copyOf(sym, len);
    }

    /**
     * For long words: doubly linked symbols and a heap of (rank, position); pairRank[pos] holds the current rank of
     * the pair starting at pos (-1 for none), so a stale heap entry is told by an array read, not a rank lookup (a
     * rank names exactly one pair, so an equal rank means the same pair).
     */
    private int[] mergeByHeap(int[] sym, int count, int[] init) {
        int[] prev = new int[count], next = new int[count], pairRank = init;
        for (int i = 0; i < count; i++) { prev[i] = i - 1; next[i] = i + 1 < count ? i + 1 : -1; }
        LongMinHeap heap = new LongMinHeap(count);
        for (int i = 0; i + 1 < count; i++) {
            int r = pairRank[i];
            if (r >= 0) heap.push(((long) r << 32) | i); // lowest rank first, then leftmost position
        }
        int alive = count;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int r = (int) (top >>> 32), pos = (int) top;
            if (pairRank[pos] != r) continue; // stale entry (merged-away symbols have pairRank -1)
            int right = next[pos];
            sym[pos] = mergedId[r];
            sym[right] = -1;
            pairRank[right] = -1;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            alive--;
            if (prev[pos] >= 0) {
                int p = prev[pos];
                int rl = ranks.rank(sym[p], sym[pos]);
                pairRank[p] = rl;
                if (rl >= 0) heap.push(((long) rl << 32) | p);
            }
            if (next[pos] >= 0) {
                int rr = ranks.rank(sym[pos], sym[next[pos]]);
                pairRank[pos] = rr;
                if (rr >= 0) heap.push(((long) rr << 32) | pos);
            } else {
                pairRank[pos] = -1;
            }
        }
        int[] out = new int[alive];
        for (int i = 0, k = 0; i >= 0; i = next[i]) out[k++] = sym[i];
        return out;
    }

    /** A binary min-heap of longs, sized for one word's merges. */
    private static final class LongMinHeap {
        private long[] a;
        private int size;

        LongMinHeap(int capacity) { a = new long[Math.max(4, capacity)]; }

        boolean isEmpty() { return size == 0; }

        void push(long v) {
            if (size == a.length) a = Arrays.copyOf(a, size * 2);
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) break;
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) break;
                if (child + 1 < size && a[child + 1] < a[child]) child++;
                if (a[child] >= last) break;
                a[i] = a[child];
                i = child;
            }
            a[i] = last;
            return top;
        }
    }
}
