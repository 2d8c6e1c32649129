package ai.baton.engine.kv;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * The KV blocks of one engine: a refcount per block, and a free queue in eviction order. A freed block keeps its
 * contents and hash until it is reused, so a later request with the same prefix finds it (prefix caching); the
 * least recently freed block is reused first. Not thread-safe: owned by the engine's step loop.
 */
public final class BlockPool {
    private final int numBlocks;
    private final int[] refs;
    private final BlockHash[] hashes;
    private final Map<BlockHash, Integer> cached = new HashMap<>();
    private final LinkedHashSet<Integer> free = new LinkedHashSet<>();
    private long evictions;
    private Eviction onEvict;

    /** Told about each cached block just before its contents are given up (the offload tier copies them out). */
    @FunctionalInterface
    public interface Eviction {
        void evicting(int block, BlockHash hash);
    }

    public BlockPool(int numBlocks) {
        if (numBlocks <= 0) throw new IllegalArgumentException("a KV pool needs at least one block");
        this.numBlocks = numBlocks;
        refs = new int[numBlocks];
        hashes = new BlockHash[numBlocks];
        for (int b = 0; b < numBlocks; b++) free.add(b);
    }

    /** A block with refcount 1 and no cached identity, or -1 when none is free. */
    public int allocate() {
        var it = free.iterator();
        if (!it.hasNext()) return -1;
        int b = it.next();
        it.remove();
        if (hashes[b] != null) {
            if (onEvict != null) onEvict.evicting(b, hashes[b]);
            cached.remove(hashes[b]);
            hashes[b] = null;
            evictions++;
        }
        refs[b] = 1;
        return b;
    }

    /** Takes a reference to the cached block holding {@code hash}, or returns -1. */
    public int acquireCached(BlockHash hash) {
        Integer b = cached.get(hash);
        if (b == null) return -1;
        if (refs[b] == 0) free.remove(b);
        refs[b]++;
        return b;
    }

    /** Records that a full block holds the tokens behind {@code hash}; a duplicate keeps the first holder. */
    public void markCached(int block, BlockHash hash) {
        if (hashes[block] != null || cached.containsKey(hash)) return;
        hashes[block] = hash;
        cached.put(hash, block);
    }

    public void onEviction(Eviction e) { this.onEvict = e; }

    public boolean isCached(int block) { return hashes[block] != null; }

    public void retain(int block) {
        if (refs[block] == 0) free.remove(block);
        refs[block]++;
    }

    /** Drops one reference; at zero the block joins the tail of the free queue (still cached). */
    public void release(int block) {
        if (refs[block] <= 0) throw new IllegalStateException("block " + block + " released more often than taken");
        if (--refs[block] == 0) free.add(block);
    }

    public int refCount(int block) { return refs[block]; }

    public int numBlocks() { return numBlocks; }

    public int freeBlocks() { return free.size(); }

    public int usedBlocks() { return numBlocks - free.size(); }

    public long evictions() { return evictions; }

    /** Drops every cached identity (e.g. after weights change). */
    public void resetPrefixCache() {
        cached.clear();
        Arrays.fill(hashes, null);
    }
}
