package ai.baton.engine.sched;

/**
 * A sequence's share of one step: {@code numTokens} new tokens starting at position {@code start}, then, on a
 * speculative decode step, the {@code draft} tokens proposed to follow them (run through the model with the
 * real tokens and kept only as far as the model agrees).
 */
public record ScheduledChunk(Sequence sequence, int start, int numTokens, int[] draft) {
    private static final int[] NO_DRAFT = new int[0];

    public ScheduledChunk {
        if (draft == null) draft = NO_DRAFT;
    }

    public ScheduledChunk(Sequence sequence, int start, int numTokens) { this(sequence, start, numTokens, NO_DRAFT); }

    /** True when this chunk reaches the sequence's last token, so a new token is sampled from its logits. */
    public boolean samples() { return start + numTokens == sequence.length(); }

    /** Tokens this chunk puts through the model: its own and its draft. */
    public int forwardTokens() { return numTokens + draft.length; }
}
