package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.ForwardBatch;

/**
 * The int arrays the kernels read for one step, laid end to end so that one copy uploads them: per token (padded to
 * {@code rows}) its id, position, cache slot and sequence; the logit rows; the block tables at a fixed stride; and,
 * for prefill attention, the query tiles (first token, row count, sequence) of up to {@link #TILE_ROWS} rows.
 * Padding rows (CUDA-graph buckets) carry token -1, position -1 and slot -1: no KV write, nothing to attend.
 */
final class BatchMetadata {
    static final int TILE_ROWS = 128;

    final int rows, logitRows, sequences, btStride, numTiles;
    final int tokensAt, positionsAt, slotsAt, seqAt, logitRowsAt, tablesAt, tilesAt, length;
    final int maxContext;
    final int[] data;

    BatchMetadata(ForwardBatch b, int rows, int btStride, boolean withTiles) {
        int n = b.numTokens();
        if (rows < n) throw new IllegalArgumentException("rows " + rows + " < tokens " + n);
        this.rows = rows;
        this.btStride = btStride;
        boolean padded = rows > n;
        this.logitRows = padded ? rows : b.logitRows().length;
        this.sequences = padded ? rows : b.numSequences();
        int tiles = 0;
        if (withTiles)
            for (int s = 0; s < b.numSequences(); s++)
                tiles += (b.queryStarts()[s + 1] - b.queryStarts()[s] + TILE_ROWS - 1) / TILE_ROWS;
        this.numTiles = tiles;
        tokensAt = 0;
        positionsAt = rows;
        slotsAt = 2 * rows;
        seqAt = 3 * rows;
        logitRowsAt = 4 * rows;
        tablesAt = logitRowsAt + logitRows;
        tilesAt = tablesAt + sequences * btStride;
        length = tilesAt + 3 * tiles;
        data = new int[Math.max(1, length)];
        for (int t = 0; t < rows; t++) {
            boolean real = t < n;
            data[tokensAt + t] = real ? b.tokens()[t] : -1;
            data[positionsAt + t] = real ? b.positions()[t] : -1;
            data[slotsAt + t] = real ? b.slots()[t] : -1;
        }
        for (int s = 0; s < b.numSequences(); s++)
            for (int t = b.queryStarts()[s]; t < b.queryStarts()[s + 1]; t++) data[seqAt + t] = s;
        for (int i = 0; i < logitRows; i++) data[logitRowsAt + i] = i < b.logitRows().length ? b.logitRows()[i] : i;
        int maxCtx = 0;
        for (int s = 0; s < b.numSequences(); s++) {
            int[] table = b.blockTables()[s];
            if (table.length > btStride) throw new IllegalArgumentException("block table of " + table.length + " > stride " + btStride);
            System.arraycopy(table, 0, data, tablesAt + s * btStride, table.length);
            maxCtx = Math.max(maxCtx, b.contextLens()[s]);
        }
        this.maxContext = maxCtx;
        int at = tilesAt;
        if (withTiles)
            for (int s = 0; s < b.numSequences(); s++)
                for (int t = b.queryStarts()[s]; t < b.queryStarts()[s + 1]; t += TILE_ROWS) {
                    data[at++] = t;
                    data[at++] = Math.min(TILE_ROWS, b.queryStarts()[s + 1] - t);
                    data[at++] = s;
                }
    }

    /** One new token per sequence, token i of sequence i, logits of every row in order: a CUDA-graph candidate. */
    static boolean isDecode(ForwardBatch b) {
        int n = b.numTokens();
        if (b.numSequences() != n || b.logitRows().length != n) return false;
        for (int i = 0; i < n; i++) if (b.queryStarts()[i] != i || b.logitRows()[i] != i) return false;
        return b.queryStarts()[n] == n;
    }

    static int maxBlocks(ForwardBatch b) {
        int m = 1;
        for (int[] t : b.blockTables()) m = Math.max(m, t.length);
        return m;
    }
}
