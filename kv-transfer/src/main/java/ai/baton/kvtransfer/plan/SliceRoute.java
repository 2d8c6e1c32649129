package ai.baton.kvtransfer.plan;

/**
 * One leg of a TP n-to-m transfer: source rank {@code srcRank} sends global heads
 * {@code [globalHead, globalHead + numHeads)} to destination rank {@code dstRank}; the slice starts at
 * local head {@code srcLocalHead} in the source pool and {@code dstLocalHead} in the destination pool.
 */
public record SliceRoute(int srcRank, int dstRank, int globalHead, int numHeads, int srcLocalHead, int dstLocalHead) {
}
