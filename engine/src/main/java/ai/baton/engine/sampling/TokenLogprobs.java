package ai.baton.engine.sampling;

/**
 * The chosen token's log-probability and its rank in the distribution (1 = most likely; ties go to the lower id), and
 * the most likely alternatives (ids and log-probabilities, best first).
 */
public record TokenLogprobs(int token, float logprob, int rank, int[] topIds, float[] topLogprobs) {}
