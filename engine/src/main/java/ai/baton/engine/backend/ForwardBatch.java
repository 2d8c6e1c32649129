package ai.baton.engine.backend;

/**
 * One step's work, as the scheduler hands it to the model: the new tokens of several sequences laid end to end
 * (prefill chunks and decode tokens mixed), and where each token's K/V goes in the paged cache.
 *
 * @param tokens      token id of each new token
 * @param positions   absolute position of each new token in its sequence
 * @param slots       KV cache slot of each new token: block id * blockSize + offset in block
 * @param queryStarts per sequence, the index of its first new token; length = sequences + 1
 * @param contextLens per sequence, how many tokens its KV covers after this step (cached + new)
 * @param blockTables per sequence, its KV block ids in order
 * @param logitRows   token rows whose logits are wanted, in output order
 */
public record ForwardBatch(int[] tokens, int[] positions, int[] slots, int[] queryStarts, int[] contextLens,
                           int[][] blockTables, int[] logitRows) {

    public int numTokens() { return tokens.length; }

    public int numSequences() { return contextLens.length; }

    /** The sequence that token row {@code t} belongs to. */
    public int sequenceOf(int t) {
        int lo = 0, hi = numSequences() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (queryStarts[mid] <= t) lo = mid; else hi = mid - 1;
        }
        return lo;
    }
}
