package ai.baton.engine;

/**
 * One engine step, as {@code GET /debug/steps} serves it.
 *
 * @param startMicros   when the step started, epoch microseconds
 * @param durMicros     its wall time (schedule, forward, sample, outputs)
 * @param prefillTokens prompt tokens computed (including recomputation after preemption)
 * @param decodeTokens  sequences that advanced by one generated token
 * @param numSeqs       sequences in the step
 */
public record StepRecord(long startMicros, long durMicros, int prefillTokens, int decodeTokens, int numSeqs) {}
