package ai.baton.engine;

import java.util.List;

/**
 * Called after each layer of a step has written its K/V, so a prefill node can push layer L while layer L+1
 * computes. Runs on the thread that drives rank {@code rank}; on a device backend the layer's kernels are queued,
 * not necessarily finished: synchronise on the backend's stream before reading the memory.
 */
@FunctionalInterface
public interface LayerHook {
    void afterLayer(Step step, int rank, int layer);

    /** One sequence's part of the step. {@code completesPrompt}: after this chunk the whole prompt's KV is cached. */
    record Chunk(String requestId, int[] blockTable, int start, int numTokens, boolean completesPrompt) {}

    record Step(List<Chunk> chunks) {}
}
