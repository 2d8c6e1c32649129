package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.ForwardBatch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Host-side layout of the metadata the kernels read (no GPU needed). */
class BatchMetadataTest {

    private static ForwardBatch decode(int n) {
        int[] tokens = new int[n], pos = new int[n], slots = new int[n], qs = new int[n + 1], ctx = new int[n], rows = new int[n];
        int[][] tables = new int[n][];
        for (int i = 0; i < n; i++) {
            tokens[i] = 100 + i;
            pos[i] = 20 + i;
            slots[i] = 16 * (3 * i + 1) + 4 + i;
            qs[i + 1] = i + 1;
            ctx[i] = pos[i] + 1;
            rows[i] = i;
            tables[i] = new int[]{3 * i, 3 * i + 1};
        }
        return new ForwardBatch(tokens, pos, slots, qs, ctx, tables, rows);
    }

    @Test
    void decodeBatchPadsToTheBucketWithInertRows() {
        ForwardBatch b = decode(3);
        assertTrue(BatchMetadata.isDecode(b));
        BatchMetadata m = new BatchMetadata(b, 4, 16, false);
        assertEquals(4, m.rows);
        assertEquals(4, m.logitRows);
        assertEquals(0, m.numTiles);
        int[] d = m.data;
        assertArrayEquals(new int[]{100, 101, 102, -1}, java.util.Arrays.copyOfRange(d, m.tokensAt, m.tokensAt + 4));
        assertArrayEquals(new int[]{20, 21, 22, -1}, java.util.Arrays.copyOfRange(d, m.positionsAt, m.positionsAt + 4));
        assertEquals(-1, d[m.slotsAt + 3]);
        assertArrayEquals(new int[]{0, 1, 2, 0}, java.util.Arrays.copyOfRange(d, m.seqAt, m.seqAt + 4));
        assertArrayEquals(new int[]{0, 1, 2, 3}, java.util.Arrays.copyOfRange(d, m.logitRowsAt, m.logitRowsAt + 4));
        assertEquals(3, d[m.tablesAt + 16]);   // sequence 1, first block
        assertEquals(4, d[m.tablesAt + 17]);
        assertEquals(0, d[m.tablesAt + 3 * 16]); // padding sequence
        assertEquals(m.tablesAt + 4 * 16, m.length);
    }

    @Test
    void prefillBatchGetsTilesOfAtMostTileRowsPerSequence() {
        // Sequence 0: 200 new tokens after a 10-token cached prefix (two tiles of 128 and 72 rows); sequence 1: one
        // decode token (its own tile).
        int r = BatchMetadata.TILE_ROWS, n = 201;
        int[] tokens = new int[n], pos = new int[n], slots = new int[n];
        for (int i = 0; i < 200; i++) { pos[i] = 10 + i; slots[i] = 10 + i; }
        pos[200] = 7;
        slots[200] = 16 * 20 + 7;
        int[] table0 = new int[14];
        for (int i = 0; i < table0.length; i++) table0[i] = i;
        ForwardBatch b = new ForwardBatch(tokens, pos, slots, new int[]{0, 200, 201}, new int[]{210, 8},
                new int[][]{table0, {20}}, new int[]{199, 200});
        assertFalse(BatchMetadata.isDecode(b));
        BatchMetadata m = new BatchMetadata(b, n, BatchMetadata.maxBlocks(b), true);
        assertEquals(128, r);
        assertEquals(3, m.numTiles);
        int[] t = java.util.Arrays.copyOfRange(m.data, m.tilesAt, m.tilesAt + 9);
        assertArrayEquals(new int[]{0, 128, 0, 128, 72, 0, 200, 1, 1}, t);
        assertEquals(210, m.maxContext);
        assertEquals(1, m.data[m.seqAt + 200]);
        assertEquals(14, BatchMetadata.maxBlocks(b));
    }

    @Test
    void graphBucketsAndStrides() {
        assertEquals(1, DecodeGraphs.bucket(1));
        assertEquals(8, DecodeGraphs.bucket(5));
        assertEquals(24, DecodeGraphs.bucket(17));
        assertEquals(128, DecodeGraphs.bucket(128));
        assertEquals(256, DecodeGraphs.bucket(200 + 56));
        assertThrows(IllegalArgumentException.class, () -> DecodeGraphs.bucket(257));
        assertEquals(16, DecodeGraphs.stride(1));
        assertEquals(16, DecodeGraphs.stride(16));
        assertEquals(32, DecodeGraphs.stride(17));
        assertEquals(64, DecodeGraphs.stride(33));
    }

    @Test
    void bf16RoundingMatchesTorch() {
        assertEquals((short) 0x3f80, WeightLoader.toBf16(1.0f));
        // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: round to even (1.0).
        assertEquals((short) 0x3f80, WeightLoader.toBf16(Float.intBitsToFloat(0x3f808000)));
        // Just above the tie rounds up.
        assertEquals((short) 0x3f81, WeightLoader.toBf16(Float.intBitsToFloat(0x3f808001)));
        assertEquals((short) 0xbf80, WeightLoader.toBf16(-1.0f));
        assertTrue(Float.isNaN(Float.intBitsToFloat((WeightLoader.toBf16(Float.NaN) & 0xffff) << 16)));
    }
}
