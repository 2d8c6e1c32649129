package ai.baton.engine.sched;

/** A sequence's share of one step: {@code numTokens} new tokens starting at position {@code start}. */
public record ScheduledChunk(Sequence sequence, int start, int numTokens) {
    /** True when this chunk reaches the sequence's last token, so a new token is sampled from its logits. */
    public boolean samples() { return start + numTokens == sequence.length(); }
}
