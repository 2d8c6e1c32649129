package ai.baton.kvtransfer.plan;

/** One contiguous copy, as byte offsets inside a source region and a destination region. */
public record CopyRun(long srcOffset, long dstOffset, long length) {
    public CopyRun {
        if (srcOffset < 0 || dstOffset < 0 || length <= 0) {
            throw new IllegalArgumentException("bad run " + srcOffset + "->" + dstOffset + " len " + length);
        }
    }
}
