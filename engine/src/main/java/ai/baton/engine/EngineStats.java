package ai.baton.engine;

/**
 * A snapshot of an engine's load and cache state, for metrics and load reports.
 *
 * @param busyNanos wall time the step loop has spent inside steps that ran work (schedule, forward, sample,
 *                  outputs); its rate is the engine's busy fraction
 * @param specDrafts         speculative decoding: sequence steps that ran draft tokens
 * @param specDraftTokens    draft tokens run through the model
 * @param specAcceptedTokens draft tokens the model confirmed (each one a token gained without a step of its own)
 * @param offloadHitTokens   prompt tokens whose KV came back from the host offload tier (part of prefixHitTokens)
 * @param offloadSavedBlocks blocks copied into the host offload tier
 * @param offloadBlocksUsed  blocks the host tier holds now, of {@code offloadBlocksTotal} (0: no tier)
 */
public record EngineStats(int running, int waiting, int kvBlocksTotal, int kvBlocksUsed, int kvBlocksHeld,
                          long prefixQueryTokens, long prefixHitTokens, long preemptions, long steps,
                          long promptTokens, long generatedTokens, long busyNanos,
                          long specDrafts, long specDraftTokens, long specAcceptedTokens,
                          long offloadHitTokens, long offloadSavedBlocks, int offloadBlocksUsed, int offloadBlocksTotal) {

    /** Without a host offload tier. */
    public EngineStats(int running, int waiting, int kvBlocksTotal, int kvBlocksUsed, int kvBlocksHeld,
                       long prefixQueryTokens, long prefixHitTokens, long preemptions, long steps,
                       long promptTokens, long generatedTokens, long busyNanos,
                       long specDrafts, long specDraftTokens, long specAcceptedTokens) {
        this(running, waiting, kvBlocksTotal, kvBlocksUsed, kvBlocksHeld, prefixQueryTokens, prefixHitTokens, preemptions,
                steps, promptTokens, generatedTokens, busyNanos, specDrafts, specDraftTokens, specAcceptedTokens, 0, 0, 0, 0);
    }

    public double kvUsage() { return kvBlocksTotal == 0 ? 0 : (double) kvBlocksUsed / kvBlocksTotal; }

    public double busySeconds() { return busyNanos / 1e9; }
}
