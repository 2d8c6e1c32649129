package ai.baton.kvtransfer;

/**
 * Order of the dimensions inside one layer's K (or V) region.
 *
 * <p>{@link #HND} is [block][head][token][dim]: one head's slice of a block is contiguous, so a
 * TP head-sliced transfer moves one run per block (or one run per span of adjacent blocks).
 * {@link #NHD} is [block][token][head][dim]: a head slice is strided, one run per token.
 */
public enum KvLayout {
    HND,
    NHD
}
