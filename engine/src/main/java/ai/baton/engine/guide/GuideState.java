package ai.baton.engine.guide;

import java.util.Arrays;

/**
 * Where one sequence stands in its guide: mutable, one per request, not thread-safe. The state itself is an
 * immutable set of parse stacks, so {@link #copy()} is O(1).
 */
public final class GuideState {
    private static final ParseStack[] DONE = {ParseStack.EMPTY};

    private ParseStack[] threads;

    GuideState(ParseStack[] threads) { this.threads = threads; }

    /**
     * Fills mask (bit t of mask[t >> 6]) with the tokens that may come next: those whose every byte keeps the
     * output inside the grammar, plus the EOS ids when the output may end here. Other bits are cleared.
     */
    public void allowedTokens(GuideVocabulary vocab, long[] mask) {
        if (mask.length < vocab.maskWords()) throw new IllegalArgumentException("mask has " + mask.length + " words, the vocabulary needs " + vocab.maskWords());
        Arrays.fill(mask, 0L);
        if (canEnd()) for (int eos : vocab.eosIds()) mask[eos >> 6] |= 1L << eos;
        vocab.markAllowed(threads, mask);
    }

    /** Advances over the token; false (state unchanged) if it is not allowed now. */
    public boolean accept(GuideVocabulary vocab, int token) {
        if (vocab.isEos(token)) {
            if (!canEnd()) return false;
            threads = DONE;
            return true;
        }
        byte[] bytes = vocab.tokenBytes(token);
        return bytes != null && bytes.length > 0 && acceptBytes(bytes);
    }

    /** Advances over raw output bytes (all or nothing); false (state unchanged) if they leave the grammar. */
    public boolean acceptBytes(byte[] bytes) {
        ParseStack[] t = threads;
        for (byte b : bytes) {
            t = ByteAutomaton.step(t, b & 0xFF);
            if (t == null) return false;
        }
        threads = t;
        return true;
    }

    /** A value equal for equal states (their parse stacks are records), for caching what depends on the state alone. */
    Object key() { return java.util.List.of(threads); }

    /** Whether the output may end here (EOS allowed). */
    public boolean canEnd() { return ByteAutomaton.canEnd(threads); }

    /** Whether the output is finished: it may end here and no byte may follow, so only EOS is allowed. */
    public boolean isComplete() {
        if (!canEnd()) return false;
        for (int b = 0; b < 256; b++) if (ByteAutomaton.step(threads, b) != null) return false;
        return true;
    }

    public GuideState copy() { return new GuideState(threads); }

    /** Number of parse readings kept (for tests and diagnostics). */
    int readings() { return threads.length; }
}
