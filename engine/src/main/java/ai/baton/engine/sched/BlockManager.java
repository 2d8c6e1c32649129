package ai.baton.engine.sched;

import ai.baton.engine.kv.BlockHash;
import ai.baton.engine.kv.BlockPool;

/**
 * Gives sequences the KV blocks they need, finds their cached prefixes, registers their full blocks in the prefix
 * cache, and returns blocks on every exit path. Counters feed the prefix-cache metrics.
 */
public final class BlockManager {
    private final BlockPool pool;
    private final int blockSize;
    private final boolean prefixCaching;
    private long prefixQueries, prefixHits;

    public BlockManager(int numBlocks, int blockSize, boolean prefixCaching) {
        this.pool = new BlockPool(numBlocks);
        this.blockSize = blockSize;
        this.prefixCaching = prefixCaching;
    }

    /**
     * For a sequence with no blocks: takes the cached blocks of its longest cached prefix and marks those tokens as
     * computed. At least the last token is always left to compute, since its logits are needed. A sequence that wants
     * its prompt logprobs computes the whole prompt (as vLLM does), since cached blocks have no logits.
     */
    public void claimCachedPrefix(Sequence s) {
        if (s.numBlocks != 0 || s.numComputed != 0) return;
        prefixQueries += s.length();
        if (!prefixCaching || s.collectsPromptLogprobs()) return;
        BlockHash[] chain = BlockHash.chain(s.tokensArray(), s.length() - 1, blockSize);
        for (BlockHash h : chain) {
            int b = pool.acquireCached(h);
            if (b < 0) break;
            s.addBlock(b);
        }
        s.numHashedBlocks = s.numBlocks;
        s.numComputed = s.numBlocks * blockSize;
        prefixHits += s.numComputed;
        if (s.outputLength() == 0) s.cachedPromptTokens = s.numComputed;
    }

    /** Ensures the sequence's blocks cover {@code numComputed + newTokens}; false (and nothing taken) if the pool is short. */
    public boolean allocate(Sequence s, int newTokens) {
        int needed = blocksToGrow(s, newTokens);
        if (needed == 0) return true;
        if (needed > pool.freeBlocks()) return false;
        for (int i = 0; i < needed; i++) s.addBlock(pool.allocate());
        return true;
    }

    /** How many more blocks the sequence needs to cover {@code numComputed + newTokens}. */
    public int blocksToGrow(Sequence s, int newTokens) {
        return Math.max(0, blocksFor(s.numComputed + newTokens) - s.numBlocks);
    }

    /** Registers the sequence's newly completed full blocks in the prefix cache. */
    public void cacheFullBlocks(Sequence s) {
        if (!prefixCaching) return;
        int full = Math.min(s.numComputed / blockSize, s.numBlocks);
        if (full <= s.numHashedBlocks) return;
        BlockHash[] chain = BlockHash.chain(s.tokensArray(), full * blockSize, blockSize);
        for (int i = s.numHashedBlocks; i < full; i++) pool.markCached(s.blocks[i], chain[i]);
        s.numHashedBlocks = full;
    }

    /** Returns all of the sequence's blocks, tail first so that the tail is evicted before the shared head. */
    public void free(Sequence s) {
        for (int i = s.numBlocks - 1; i >= 0; i--) pool.release(s.blocks[i]);
        s.numBlocks = 0;
        s.numHashedBlocks = 0;
    }

    /** Hands the sequence a list of already reserved blocks (a remote prefill wrote their KV). */
    public void adopt(Sequence s, int[] reserved) {
        for (int b : reserved) s.addBlock(b);
    }

    /** Takes {@code n} blocks outside any sequence (a reservation for incoming KV), or null if the pool is short. */
    public int[] reserve(int n) {
        if (n > pool.freeBlocks()) return null;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = pool.allocate();
        return out;
    }

    public void release(int[] blocks) {
        for (int i = blocks.length - 1; i >= 0; i--) pool.release(blocks[i]);
    }

    public int blocksFor(int tokens) { return (tokens + blockSize - 1) / blockSize; }

    public int blockSize() { return blockSize; }

    public int numBlocks() { return pool.numBlocks(); }

    public int freeBlocks() { return pool.freeBlocks(); }

    public int usedBlocks() { return pool.usedBlocks(); }

    public long prefixQueries() { return prefixQueries; }

    public long prefixHits() { return prefixHits; }

    public BlockPool pool() { return pool; }
}
