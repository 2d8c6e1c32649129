package ai.baton.kvtransfer;

/**
 * Shape of one TP rank's paged KV pool: per layer a K region and a V region, each
 * {@code numBlocks} blocks of {@code blockSize} tokens for the heads this rank owns.
 *
 * <p>Both ends of a transfer must agree on everything except {@code numBlocks} and the TP split.
 */
public record KvPoolLayout(int numLayers, int numBlocks, int blockSize, int totalKvHeads, int headDim,
                           int elementBytes, KvLayout layout, int tpRank, int tpSize) {

    public KvPoolLayout {
        if (numLayers <= 0 || numBlocks <= 0 || blockSize <= 0 || headDim <= 0 || elementBytes <= 0) {
            throw new IllegalArgumentException("layout dimensions must be positive");
        }
        if (layout == null) throw new IllegalArgumentException("layout is null");
        TpShard.headsOf(totalKvHeads, tpSize, tpRank); // validates
    }

    /** Single-rank layout. */
    public static KvPoolLayout of(int numLayers, int numBlocks, int blockSize, int kvHeads, int headDim,
                                  int elementBytes, KvLayout layout) {
        return new KvPoolLayout(numLayers, numBlocks, blockSize, kvHeads, headDim, elementBytes, layout, 0, 1);
    }

    public KvPoolLayout withTp(int rank, int size) {
        return new KvPoolLayout(numLayers, numBlocks, blockSize, totalKvHeads, headDim, elementBytes, layout, rank, size);
    }

    public KvPoolLayout withNumBlocks(int blocks) {
        return new KvPoolLayout(numLayers, blocks, blockSize, totalKvHeads, headDim, elementBytes, layout, tpRank, tpSize);
    }

    public HeadRange heads() {
        return TpShard.headsOf(totalKvHeads, tpSize, tpRank);
    }

    public int headStart() {
        return heads().start();
    }

    public int headCount() {
        return heads().count();
    }

    /** Bytes of one head's vector for one token. */
    public long tokenHeadBytes() {
        return (long) headDim * elementBytes;
    }

    /** Bytes of one block in one region (all heads of this rank). */
    public long blockBytes() {
        return (long) headCount() * blockSize * tokenHeadBytes();
    }

    /** Bytes of one layer's K (or V) region. */
    public long regionBytes() {
        return numBlocks * blockBytes();
    }

    /** Byte offset, inside a region, of {@code (block, localHead, token)}. */
    public long offset(int block, int localHead, int token) {
        int heads = headCount();
        return switch (layout) {
            case HND -> (((long) block * heads + localHead) * blockSize + token) * tokenHeadBytes();
            case NHD -> (((long) block * blockSize + token) * heads + localHead) * tokenHeadBytes();
        };
    }

    /** Throws unless a transfer between this layout and {@code other} makes sense. */
    public void checkCompatible(KvPoolLayout other) {
        if (numLayers != other.numLayers || blockSize != other.blockSize || totalKvHeads != other.totalKvHeads
                || headDim != other.headDim || elementBytes != other.elementBytes || layout != other.layout) {
            throw new IllegalArgumentException("incompatible KV layouts: " + this + " vs " + other);
        }
    }
}
