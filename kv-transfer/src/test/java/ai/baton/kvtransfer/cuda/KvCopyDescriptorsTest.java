package ai.baton.kvtransfer.cuda;

import ai.baton.kvtransfer.transport.CopyOp;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KvCopyDescriptorsTest {
    private static final ValueLayout.OfLong LE = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long MIB = 1L << 20;

    private static List<long[]> packed(List<CopyOp> ops) {
        try (Arena a = Arena.ofConfined()) {
            int n = KvCopyDescriptors.count(ops);
            MemorySegment m = a.allocate((long) n * KvCopyDescriptors.SEGMENT_BYTES + 8, 8);
            m.fill((byte) 0x5a);
            assertEquals(n, KvCopyDescriptors.pack(ops, m));
            assertEquals(0x5a5a5a5a5a5a5a5aL, m.get(LE, (long) n * KvCopyDescriptors.SEGMENT_BYTES), "wrote past its descriptors");
            List<long[]> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long at = (long) i * KvCopyDescriptors.SEGMENT_BYTES;
                out.add(new long[] {m.get(LE, at), m.get(LE, at + 8), m.get(LE, at + 16)});
            }
            return out;
        }
    }

    @Test
    void blocksPackAsLittleEndianTriplesInOrder() {
        List<long[]> d = packed(List.of(new CopyOp(0x7f00_0000_0000L, 0x7e00_0000_8000L, 32768), new CopyOp(0x1000, 0x2010, 17)));
        assertEquals(2, d.size());
        assertEquals(List.of(0x7f00_0000_0000L, 0x7e00_0000_8000L, 32768L), List.of(d.get(0)[0], d.get(0)[1], d.get(0)[2]));
        assertEquals(List.of(0x1000L, 0x2010L, 17L), List.of(d.get(1)[0], d.get(1)[1], d.get(1)[2]));
    }

    @Test
    void longRunsAreSplitIntoPiecesThatKeepAlignment() {
        long src = 0x10_0000_0000L, dst = 0x20_0000_0008L;
        List<long[]> d = packed(List.of(new CopyOp(src, dst, 2 * MIB + 40)));
        assertEquals(3, d.size());
        long total = 0;
        for (int i = 0; i < 3; i++) {
            assertEquals(src + i * MIB, d.get(i)[0]);
            assertEquals(dst + i * MIB, d.get(i)[1]);
            assertEquals((src & 15), d.get(i)[0] & 15);
            assertEquals((dst & 15), d.get(i)[1] & 15);
            total += d.get(i)[2];
        }
        assertEquals(MIB, d.get(0)[2]);
        assertEquals(40, d.get(2)[2]);
        assertEquals(2 * MIB + 40, total);
    }

    @Test
    void exactMultiplesAndEmptyOps() {
        List<CopyOp> ops = List.of(new CopyOp(0, 0x100000000L, MIB), new CopyOp(64, 128, 0), new CopyOp(0x400000, 0x800000, 4 * MIB));
        assertEquals(5, KvCopyDescriptors.count(ops));
        List<long[]> d = packed(ops);
        assertEquals(5, d.size());
        for (long[] x : d) assertEquals(MIB, x[2]);
        assertEquals(0x400000L + 3 * MIB, d.get(4)[0]);
    }

    @Test
    void aLayerOfScatteredBlocksIsOneDescriptorPerBlock() {
        // qwen3-0.6b: 8 KV heads x 128 dims x bf16 x 16 tokens = 32 KiB per block; 5000 tokens = 313 blocks, K and V.
        List<CopyOp> ops = new ArrayList<>();
        for (int b = 0; b < 313; b++) {
            ops.add(new CopyOp(b * 32768L, (312 - b) * 32768L * 3, 32768));
            ops.add(new CopyOp((1 << 30) + b * 32768L, (1L << 31) + (312 - b) * 32768L * 3, 32768));
        }
        assertEquals(626, KvCopyDescriptors.count(ops));
        assertEquals(626, packed(ops).size());
    }

    @Test
    void negativeLengthsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> KvCopyDescriptors.count(List.of(new CopyOp(0, 0, -1))));
    }
}
