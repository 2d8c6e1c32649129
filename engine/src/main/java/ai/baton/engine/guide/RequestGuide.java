package ai.baton.engine.guide;

/**
 * One request's guide as the sampler uses it: masks a row of logits to the tokens that may come next, and follows the
 * tokens chosen. Owned by the engine's step thread, like the sequence it belongs to.
 */
public final class RequestGuide {
    private final GuideState state;
    private final GuideVocabulary vocab;
    private final MaskCache masks;
    private final long[] mask;

    RequestGuide(GuideState state, GuideVocabulary vocab, MaskCache masks) {
        this.state = state;
        this.vocab = vocab;
        this.masks = masks;
        this.mask = new long[vocab.maskWords()];
    }

    /** Sets every logit in {@code row[0, n)} of a token that would leave the grammar to -infinity. */
    public void maskLogits(float[] row, int n) {
        allowedTokens();
        for (int t = 0; t < n; t++)
            if (t >= vocab.vocabSize() || (mask[t >> 6] >>> t & 1) == 0) row[t] = Float.NEGATIVE_INFINITY;
    }

    /** The tokens that may come next (bit t of word t >> 6, none past the guide's vocabulary), in an array reused by the next call. */
    public long[] allowedTokens() {
        Object key = state.key();
        if (!masks.copyInto(key, mask)) {
            state.allowedTokens(vocab, mask);
            masks.put(key, mask);
        }
        return mask;
    }

    /** Advances over a chosen token; false (nothing changed) if the grammar does not allow it here. */
    public boolean accept(int token) { return state.accept(vocab, token); }

    /** Whether the output is finished (only EOS may follow). */
    public boolean isComplete() { return state.isComplete(); }
}
