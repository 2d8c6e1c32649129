package ai.baton.engine.spec;

/**
 * Draft tokens by prompt lookup: find the latest earlier place where the sequence's last n tokens (n from
 * {@code lookupMax} down to {@code lookupMin}) occurred, and propose what followed it. A match close to the end
 * (a repeating loop) continues into the draft itself, so a loop of period p yields a full draft, not p tokens.
 * One backward scan over the tokens: each candidate is checked from its last token, and the scan stops at the
 * first match of the longest length.
 */
public final class NgramProposer {
    private static final int[] NONE = new int[0];
    private final int lookupMin, lookupMax;

    public NgramProposer(int lookupMin, int lookupMax) {
        if (lookupMin < 1 || lookupMax < lookupMin) throw new IllegalArgumentException("bad lookup bounds " + lookupMin + ".." + lookupMax);
        this.lookupMin = lookupMin;
        this.lookupMax = lookupMax;
    }

    /** Up to {@code maxDraft} tokens to follow {@code tokens[0..length)}; empty when no suffix of lookupMin tokens recurs. */
    public int[] propose(int[] tokens, int length, int maxDraft) {
        if (maxDraft <= 0 || length <= lookupMin) return NONE;
        int last = length - 1;
        int bestEnd = -1, bestLen = 0;
        // j: the last token of an earlier occurrence; it needs a successor, so j < last.
        for (int j = last - 1; j >= lookupMin - 1; j--) {
            if (tokens[j] != tokens[last]) continue;
            int m = 1;
            int limit = Math.min(lookupMax, j + 1);
            while (m < limit && tokens[j - m] == tokens[last - m]) m++;
            if (m >= lookupMin && m > bestLen) {
                bestLen = m;
                bestEnd = j;
                if (m == lookupMax) break;
            }
        }
        if (bestEnd < 0) return NONE;
        int[] draft = new int[maxDraft];
        for (int i = 0; i < maxDraft; i++) {
            int src = bestEnd + 1 + i;
            draft[i] = src < length ? tokens[src] : draft[src - length];
        }
        return draft;
    }
}
