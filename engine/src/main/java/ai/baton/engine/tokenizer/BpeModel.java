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

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final PairRankMap ranks;
    private final int[] mergedId; // by rank
    private final boolean ignoreMerges;
    private final int unkId; // -1 when there is no unk token: unknown characters are dropped, as HF does
    private final int[] charIds = new int[512]; // single-character tokens of the byte-level alphabet
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    BpeModel(Map<String, Integer> vocab, String[] idToToken, PairRankMap ranks, int[] mergedId, boolean ignoreMerges, int unkId) {
        this.vocab = vocab;
        this.idToToken = idToToken;
        this.ranks = ranks;
        this.mergedId = mergedId;
        this.ignoreMerges = ignoreMerges;
        this.unkId = unkId;
        for (char c = 0; c < charIds.length; c++) charIds[c] = vocab.getOrDefault(String.valueOf(c), -1);
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
        int[] cached = cache.get(word);
        if (cached == null) {
            cached = merge(word);
            if (word.length() <= CACHEABLE_WORD_LENGTH && cache.size() < CACHE_CAPACITY) cache.put(word, cached);
        }
        out.addAll(cached);
    }

    private int initialId(String word, int i) {
        char c = word.charAt(i);
        if (c < charIds.length) return charIds[c];
        return vocab.getOrDefault(String.valueOf(c), -1);
    }

    private int[] merge(String word) {
        int n = word.length();
        int[] sym = new int[n];
        int count = 0;
        for (int i = 0; i < n; i++) {
            int id = initialId(word, i);
            if (id < 0) id = unkId;
            if (id >= 0) sym[count++] = id;
        }
        if (count <= 1) return Arrays.copyOf(sym, count);
        if (count == 2) {
            int r = ranks.rank(sym[0], sym[1]);
            return r < 0 ? Arrays.copyOf(sym, 2) : new int[] {mergedId[r]};
        }
        // doubly linked symbols; a merged-away symbol gets id -1
        int[] prev = new int[count], next = new int[count];
        for (int i = 0; i < count; i++) { prev[i] = i - 1; next[i] = i + 1 < count ? i + 1 : -1; }
        LongMinHeap heap = new LongMinHeap(count);
        for (int i = 0; i + 1 < count; i++) {
            int r = ranks.rank(sym[i], sym[i + 1]);
            if (r >= 0) heap.push(((long) r << 32) | i); // lowest rank first, then leftmost position
        }
        int alive = count;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int r = (int) (top >>> 32), pos = (int) top;
            if (sym[pos] < 0) continue;
            int right = next[pos];
            if (right < 0 || ranks.rank(sym[pos], sym[right]) != r) continue; // stale entry
            sym[pos] = mergedId[r];
            sym[right] = -1;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            alive--;
            if (prev[pos] >= 0) {
                int rl = ranks.rank(sym[prev[pos]], sym[pos]);
                if (rl >= 0) heap.push(((long) rl << 32) | prev[pos]);
            }
            if (next[pos] >= 0) {
                int rr = ranks.rank(sym[pos], sym[next[pos]]);
                if (rr >= 0) heap.push(((long) rr << 32) | pos);
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
