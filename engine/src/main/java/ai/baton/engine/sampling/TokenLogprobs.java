package ai.baton.engine.sampling;

/** The chosen token's log-probability, and the most likely alternatives (ids and log-probabilities, best first). */
public record TokenLogprobs(int token, float logprob, int[] topIds, float[] topLogprobs) {}
