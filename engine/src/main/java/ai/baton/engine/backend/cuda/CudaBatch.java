package ai.baton.engine.backend.cuda;

import ai.baton.engine.backend.BatchContext;
import ai.baton.engine.backend.ForwardBatch;

/** A step's batch on the device: where its metadata arrays live, and whether a decode graph can run it. */
final class CudaBatch implements BatchContext {
    final ForwardBatch batch;
    final BatchMetadata meta;
    final boolean decode;
    /** Non-null when this batch may be run by (or captured into) a decode graph. */
    final DecodeGraphs.Entry graph;
    private final long base;

    CudaBatch(ForwardBatch batch, BatchMetadata meta, boolean decode, DecodeGraphs.Entry graph, long base) {
        this.batch = batch;
        this.meta = meta;
        this.decode = decode;
        this.graph = graph;
        this.base = base;
    }

    @Override public ForwardBatch batch() { return batch; }

    long tokens() { return base + 4L * meta.tokensAt; }
    long positions() { return base + 4L * meta.positionsAt; }
    long slots() { return base + 4L * meta.slotsAt; }
    long seqOfToken() { return base + 4L * meta.seqAt; }
    long logitRows() { return base + 4L * meta.logitRowsAt; }
    long blockTables() { return base + 4L * meta.tablesAt; }
    long tiles() { return base + 4L * meta.tilesAt; }
}
