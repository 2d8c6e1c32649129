package ai.baton.engine;

/** A snapshot of an engine's load and cache state, for metrics and load reports. */
public record EngineStats(int running, int waiting, int kvBlocksTotal, int kvBlocksUsed, int kvBlocksHeld,
                          long prefixQueryTokens, long prefixHitTokens, long preemptions, long steps,
                          long promptTokens, long generatedTokens) {

    public double kvUsage() { return kvBlocksTotal == 0 ? 0 : (double) kvBlocksUsed / kvBlocksTotal; }
}
