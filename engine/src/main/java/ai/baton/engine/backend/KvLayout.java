package ai.baton.engine.backend;

/**
 * Shape of one rank's paged KV cache. Per layer there is a K and a V region, each laid out
 * [numBlocks][kvHeads][blockSize][headDim] ("HND": one head's slice of a block is contiguous, so a transfer between
 * different TP degrees moves contiguous runs).
 */
public record KvLayout(int numLayers, int numBlocks, int blockSize, int kvHeads, int headDim, int elementBytes) {

    public long blockBytesPerLayer() { return (long) kvHeads * blockSize * headDim * elementBytes; }

    public long regionBytes() { return blockBytesPerLayer() * numBlocks; }

    /** Bytes of K and V across all layers for one token. */
    public long bytesPerToken() { return 2L * numLayers * kvHeads * headDim * elementBytes; }
}
