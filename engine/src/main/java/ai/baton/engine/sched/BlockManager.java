package ai.baton.engine.sched;

import ai.baton.engine.kv.BlockHash;
import ai.baton.engine.kv.BlockPool;
import ai.baton.engine.kv.HostKvTier;

/**
 * Gives sequences the KV blocks they need, finds their cached prefixes, registers their full blocks in the prefix
 * cache, and returns blocks on every exit path. Counters feed the prefix-cache metrics. With a host offload tier,
 * cached blocks the pool evicts are saved there, and a prefix continues into the tier where the pool's part ends.
 */
public final class BlockManager {
    private final BlockPool pool;
    private final int blockSize;
    private final boolean prefixCaching;
    private final HostKvTier tier;
    private long prefixQueries, prefixHits, offloadHits;

    public BlockManager(int numBlocks, int blockSize, boolean prefixCaching) {
        this(numBlocks, blockSize, prefixCaching, null);
    }

    /** With {@code tier} (null: none), the host tier behind the pool's prefix cache. */
    public BlockManager(int numBlocks, int blockSize, boolean prefixCaching, HostKvTier tier) {
        this.pool = new BlockPool(numBlocks);
        this.blockSize = blockSize;
        this.prefixCaching = prefixCaching;
        this.tier = prefixCaching ? tier : null;
        if (this.tier != null) pool.onEviction(this.tier::save);
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
        int i = 0;
        for (; i < chain.length; i++) {
            int b = pool.acquireCached(chain[i]);
            if (b < 0) break;
            s.addBlock(b);
        }
        // Where the pool's part ends, the tier may hold more: each such block is copied back into a fresh pool block
        // (before the next forward pass), which is cached again under its hash.
        for (; tier != null && i < chain.length && tier.touch(chain[i]); i++) {
            int b = pool.allocate();  // may evict a block into the tier, which then drops its least recently used
            if (b < 0) break;
            if (!tier.load(chain[i], b)) {
                pool.release(b);
                break;
            }
            pool.markCached(b, chain[i]);
            s.addBlock(b);
            offloadHits += blockSize;
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

    /** Prompt tokens of prefix hits that came from the host tier (a part of {@link #prefixHits}). */
    public long offloadHits() { return offloadHits; }

    /** The host offload tier, or null. */
    public HostKvTier tier() { return tier; }

    public BlockPool pool() { return pool; }
}
