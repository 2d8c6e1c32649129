package ai.baton.kvtransfer.cuda;

import ai.baton.kvtransfer.transport.CopyOp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The batched copy kernel's argument: an array of {src, dst, bytes} little-endian u64 triples (struct KvSegment in
 * kv_copy.cu). Segments longer than {@link #PIECE_BYTES} are split, so that a write of a few large runs still
 * spreads over all thread blocks (one block copies one segment at a time).
 */
final class KvCopyDescriptors {
    /** Bytes of one descriptor: must match sizeof(KvSegment) in kv_copy.cu. */
    static final int SEGMENT_BYTES = 24;
    /** A multiple of 16, so splitting never changes a piece's 16-byte alignment. */
    static final long PIECE_BYTES = 1L << 20;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private KvCopyDescriptors() {}

    /** Descriptors that {@link #pack} writes for these ops. */
    static int count(List<CopyOp> ops) {
        long n = 0;
        for (CopyOp op : ops) n += pieces(op.length());
        if (n > Integer.MAX_VALUE / SEGMENT_BYTES) throw new IllegalArgumentException("too many copy segments: " + n);
        return (int) n;
    }

    private static long pieces(long length) {
        if (length < 0) throw new IllegalArgumentException("negative copy length " + length);
        return length == 0 ? 0 : (length + PIECE_BYTES - 1) / PIECE_BYTES;
    }

    /** Writes the descriptors of {@code ops} at the start of {@code out}; returns how many (as {@link #count}). */
    static int pack(List<CopyOp> ops, MemorySegment out) {
        int i = 0;
        for (CopyOp op : ops) {
            for (long off = 0; off < op.length(); off += PIECE_BYTES) {
                long at = (long) i * SEGMENT_BYTES;
                out.set(U64, at, op.src() + off);
                out.set(U64, at + 8, op.dst() + off);
                out.set(U64, at + 16, Math.min(PIECE_BYTES, op.length() - off));
                i++;
            }
        }
        return i;
    }
}
