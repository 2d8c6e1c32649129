package ai.baton.kvtransfer.plan;

import ai.baton.kvtransfer.KvPoolLayout;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns (source block, destination block) pairs and a head route into byte runs inside one region.
 * The same runs apply to every layer and to both K and V, since those regions share a shape.
 *
 * <p>Adjacent runs are merged when both their source and destination are contiguous, so a list of
 * consecutive blocks with all heads becomes a single large copy (one UCX put).
 */
public final class RunPlanner {
    private RunPlanner() {}

    public static List<CopyRun> runs(KvPoolLayout src, KvPoolLayout dst, SliceRoute route, int[] srcBlocks, int[] dstBlocks) {
        src.checkCompatible(dst);
        if (srcBlocks.length != dstBlocks.length) {
            throw new IllegalArgumentException("block lists differ in length: " + srcBlocks.length + " vs " + dstBlocks.length);
        }
        long sliceBytesPerToken = route.numHeads() * src.tokenHeadBytes();
        List<CopyRun> out = new ArrayList<>();
        long curSrc = -1, curDst = -1, curLen = 0;
        for (int i = 0; i < srcBlocks.length; i++) {
            checkBlock(src, srcBlocks[i]);
            checkBlock(dst, dstBlocks[i]);
            // HND: the whole head slice of a block is one piece; NHD: one piece per token.
            int pieces = switch (src.layout()) {
                case HND -> 1;
                case NHD -> src.blockSize();
            };
            long pieceLen = switch (src.layout()) {
                case HND -> sliceBytesPerToken * src.blockSize();
                case NHD -> sliceBytesPerToken;
            };
            for (int t = 0; t < pieces; t++) {
                long so = src.offset(srcBlocks[i], route.srcLocalHead(), t);
                long d0 = dst.offset(dstBlocks[i], route.dstLocalHead(), t);
                if (curLen > 0 && so == curSrc + curLen && d0 == curDst + curLen) {
                    curLen += pieceLen;
                } else {
                    if (curLen > 0) out.add(new CopyRun(curSrc, curDst, curLen));
                    curSrc = so;
                    curDst = d0;
                    curLen = pieceLen;
                }
            }
        }
        if (curLen > 0) out.add(new CopyRun(curSrc, curDst, curLen));
        return out;
    }

    public static long totalBytes(List<CopyRun> runs) {
        long s = 0;
        for (CopyRun r : runs) s += r.length();
        return s;
    }

    private static void checkBlock(KvPoolLayout l, int b) {
        if (b < 0 || b >= l.numBlocks()) throw new IllegalArgumentException("block " + b + " outside pool of " + l.numBlocks());
    }
}
