package ai.baton.engine;

/**
 * A snapshot of an engine's load and cache state, for metrics and load reports.
 *
 * @param busyNanos wall time the step loop has spent inside steps that ran work (schedule, forward, sample,
 *                  outputs); its rate is the engine's busy fraction
 * @param specDrafts         speculative decoding: sequence steps that ran draft tokens
 * @param specDraftTokens    draft tokens run through the model
 * @param specAcceptedTokens draft tokens the model confirmed (each one a token gained without a step of its own)
 */
public record EngineStats(int running, int waiting, int kvBlocksTotal, int kvBlocksUsed, int kvBlocksHeld,
                          long prefixQueryTokens, long prefixHitTokens, long preemptions, long steps,
                          long promptTokens, long generatedTokens, long busyNanos,
                          long specDrafts, long specDraftTokens, long specAcceptedTokens) {

    public double kvUsage() { return kvBlocksTotal == 0 ? 0 : (double) kvBlocksUsed / kvBlocksTotal; }

    public double busySeconds() { return busyNanos / 1e9; }
}
